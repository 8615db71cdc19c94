// Training plot: hand-written SVG, so the picture needs no plotting library.
#include "viz/training_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

namespace tapegrad::viz {

namespace {

// Text for SVG: &, < and > escaped (titles and labels may come from file names).
std::string escaped(std::string_view s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// Round tick positions covering [lo, hi]: steps of 1, 2 or 5 times a power of
// ten, about `count` of them.
struct Ticks {
  double first, step;
  int count;
  int decimals;
};

Ticks nice_ticks(double lo, double hi, int count) {
  if (!(hi > lo)) hi = lo + 1.0;
  const double raw = (hi - lo) / count;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  double step = power;
  for (const double m : {1.0, 2.0, 5.0, 10.0})
    if (m * power >= raw) {
      step = m * power;
      break;
    }
  const double first = std::floor(lo / step + 1e-9) * step;
  const double last = std::ceil(hi / step - 1e-9) * step;
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return {first, step, static_cast<int>(std::lround((last - first) / step)) + 1, decimals};
}

struct Series {
  std::function<double(const nn::EpochRecord&)> value;
  std::string colour;
  bool dashed;
  std::string label;
};

class Panel {
 public:
  Panel(double left, double top, double width, double height)
      : left_(left), top_(top), width_(width), height_(height) {}

  // Draws axes, ticks, grid, labels and the curves of `series` over `history`.
  std::string draw(const nn::History& history, const std::vector<Series>& series,
                   std::string_view title, std::string_view y_label,
                   std::optional<std::uint32_t> best_epoch, double y_scale) {
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (const auto& s : series)
      for (const auto& r : history) {
        const double v = s.value(r) * y_scale;
        if (std::isfinite(v)) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    const double pad = (hi - lo) * 0.05;
    const Ticks y = nice_ticks(lo - pad, hi + pad, 5);
    y0_ = y.first;
    y1_ = y.first + y.step * (y.count - 1);
    const double last_epoch = history.back().epoch;
    const Ticks x = nice_ticks(history.front().epoch > 1 ? history.front().epoch : 0,
                               std::max(last_epoch, 1.0), 6);
    x0_ = x.first;
    x1_ = x.first + x.step * (x.count - 1);

    std::string out =
        fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" class="title">{}</text>)"
                    "\n",
                    left_ + width_ / 2, top_ - 12, escaped(title));
    out +=
        fmt::format(R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" class="frame"/>)"
                    "\n",
                    left_, top_, width_, height_);
    for (int k = 0; k < y.count; ++k) {
      const double v = y.first + k * y.step;
      const double py = py_of(v);
      out +=
          fmt::format(R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" class="grid"/>)"
                      R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" class="axis"/>)"
                      R"(<text x="{:.1f}" y="{:.1f}" text-anchor="end" class="tick">{:.{}f}</text>)"
                      "\n",
                      left_, py, left_ + width_, py, left_ - 5, py, left_, py, left_ - 8, py + 4, v,
                      y.decimals);
    }
    for (int k = 0; k < x.count; ++k) {
      const double v = x.first + k * x.step;
      const double px = px_of(v);
      out += fmt::format(
          R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" class="grid"/>)"
          R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" class="axis"/>)"
          R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" class="tick">{:.{}f}</text>)"
          "\n",
          px, top_, px, top_ + height_, px, top_ + height_, px, top_ + height_ + 5, px,
          top_ + height_ + 19, v, x.decimals);
    }
    out +=
        fmt::format(R"(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" class="label">epoch</text>)"
                    "\n",
                    left_ + width_ / 2, top_ + height_ + 40);
    const double ly = top_ + height_ / 2;
    out += fmt::format(
        R"svg(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" class="label" transform="rotate(-90 {:.1f} {:.1f})">{}</text>)svg"
        "\n",
        left_ - 48, ly, left_ - 48, ly, escaped(y_label));
    if (best_epoch) {
      // The note sits right of the line, or left of it near the panel's right edge.
      const double px = px_of(*best_epoch);
      const bool left_of = px > left_ + width_ * 0.55;
      out += fmt::format(
          R"(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" class="best"/>)"
          R"(<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="note">lowest val loss (epoch {})</text>)"
          "\n",
          px, top_, px, top_ + height_, left_of ? px - 3 : px + 3, top_ + 12,
          left_of ? "end" : "start", *best_epoch);
    }
    for (const auto& s : series) {
      std::string points;
      for (const auto& r : history) {
        const double v = s.value(r) * y_scale;
        if (!std::isfinite(v)) continue;
        points +=
            fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", px_of(r.epoch), py_of(v));
      }
      if (points.empty()) continue;
      // A one-epoch run is a point: a polyline of one vertex draws nothing.
      if (history.size() == 1)
        out += fmt::format(R"(<circle cx="{}" r="3" fill="{}"/>)",
                           points.substr(0, points.find(',')), s.colour);
      out += fmt::format(
          R"(<polyline points="{}" fill="none" stroke="{}" stroke-width="2"{}><title>{}</title></polyline>)"
          "\n",
          points, s.colour, s.dashed ? R"( stroke-dasharray="7 4")" : "", escaped(s.label));
    }
    return out;
  }

 private:
  double px_of(double v) const { return left_ + (v - x0_) / (x1_ - x0_) * width_; }
  double py_of(double v) const { return top_ + height_ - (v - y0_) / (y1_ - y0_) * height_; }

  double left_, top_, width_, height_;
  double x0_ = 0, x1_ = 1, y0_ = 0, y1_ = 1;
};

}  // namespace

std::string training_plot_svg(const nn::History& history, const TrainingPlotOptions& options) {
  if (history.empty()) throw std::invalid_argument("training plot: the history has no epochs");
  const bool validation = std::any_of(history.begin(), history.end(), [](const nn::EpochRecord& r) {
    return std::isfinite(r.val_loss);
  });
  const std::string train_colour = "#1f77b4", val_colour = "#d62728";
  const std::vector<Series> loss = [&] {
    std::vector<Series> s{
        {[](const nn::EpochRecord& r) { return r.train_loss; }, train_colour, false, "train"}};
    if (validation)
      s.push_back(
          {[](const nn::EpochRecord& r) { return r.val_loss; }, val_colour, true, "validation"});
    return s;
  }();
  const std::vector<Series> accuracy = [&] {
    std::vector<Series> s{
        {[](const nn::EpochRecord& r) { return r.train_accuracy; }, train_colour, false, "train"}};
    if (validation)
      s.push_back({[](const nn::EpochRecord& r) { return r.val_accuracy; }, val_colour, true,
                   "validation"});
    return s;
  }();

  const double w = options.width, h = options.height;
  // Two panels with room on the left for tick numbers and the y label, below for the x label.
  const double top = 60, bottom = 60, gap = 80, left = 70, right = 20;
  const double panel_w = (w - left - right - gap) / 2, panel_h = h - top - bottom;
  std::string out = fmt::format(
      R"(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="Liberation Sans, Arial, sans-serif">)"
      "\n<style>\n"
      ".title{{font-size:15px;font-weight:bold}} .label{{font-size:13px}} "
      ".tick{{font-size:11px;fill:#333}}\n"
      ".note{{font-size:11px;fill:#555}} .frame{{fill:none;stroke:#333}} .axis{{stroke:#333}}\n"
      ".grid{{stroke:#e4e4e4}} .best{{stroke:#888;stroke-dasharray:3 3}}\n"
      "</style>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      R"(<text x="{2:.1f}" y="22" text-anchor="middle" class="title">{3}</text>)"
      "\n",
      options.width, options.height, w / 2, escaped(options.title));
  out += Panel(left, top, panel_w, panel_h)
             .draw(history, loss, "loss per epoch", options.loss_name, options.best_epoch, 1.0);
  out +=
      Panel(left + panel_w + gap, top, panel_w, panel_h)
          .draw(history, accuracy, "accuracy per epoch", "accuracy (%)", options.best_epoch, 100.0);
  // The legend, on the title's line at the right, names the line styles once for both panels.
  const double lx = w - right - 170;
  out += fmt::format(
      R"(<g class="legend"><line x1="{0:.1f}" y1="18" x2="{1:.1f}" y2="18" stroke="{2}" stroke-width="2"/>)"
      R"(<text x="{3:.1f}" y="22" class="label">train</text>)",
      lx, lx + 24, train_colour, lx + 30);
  if (validation)
    out += fmt::format(
        R"(<line x1="{0:.1f}" y1="18" x2="{1:.1f}" y2="18" stroke="{2}" stroke-width="2" stroke-dasharray="7 4"/>)"
        R"(<text x="{3:.1f}" y="22" class="label">validation</text>)",
        lx + 80, lx + 104, val_colour, lx + 110);
  out += "</g>\n</svg>\n";
  return out;
}

}  // namespace tapegrad::viz
