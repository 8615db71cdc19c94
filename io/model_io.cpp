// Model files and networks: an nn::Mlp converted to and from the model format.
#include "io/model_io.hpp"

#include <fmt/format.h>

namespace tapegrad::io {

template <class T>
ModelSpec to_spec(const nn::Mlp<T>& net) {
  auto to_double = [](const Tensor<T>& t) {
    Tensor<double> d(t.shape(), 0.0);
    for (std::size_t k = 0; k < t.size(); ++k) d[k] = static_cast<double>(t[k]);
    return d;
  };
  ModelSpec spec;
  spec.layers.reserve(net.depth());
  for (const auto& l : net.layers())
    spec.layers.push_back({to_double(l.W.value), to_double(l.b.value), l.activation});
  return spec;
}

template <class T>
nn::Mlp<T> to_mlp(const ModelSpec& spec) {
  auto from_double = [](const Tensor<double>& d) {
    Tensor<T> t(d.shape(), T(0));
    for (std::size_t k = 0; k < d.size(); ++k) t[k] = static_cast<T>(d[k]);
    return t;
  };
  nn::Mlp<T> net;
  for (const auto& l : spec.layers) net.add(nn::Linear<T>(from_double(l.W), from_double(l.b), l.activation));
  return net;
}

template <class T>
void save_mlp(const nn::Mlp<T>& net, const std::filesystem::path& path) {
  write_model(to_spec(net), path);
}

template <class T>
nn::Mlp<T> load_mlp(const std::filesystem::path& path) {
  return to_mlp<T>(read_model(path));
}

std::string format_gradients(double loss, const nn::Mlp<double>& net) {
  std::string out = fmt::format("{{\n  \"loss\": {},\n  \"grads\": [\n", format_json_number(loss));
  const auto layers = net.layers();
  for (std::size_t k = 0; k < layers.size(); ++k) {
    out += fmt::format("    {{\n      \"W\": {},\n      \"b\": {}\n    }}{}\n",
                       format_json_rows(layers[k].W.grad, "      "),
                       format_json_row(layers[k].b.grad.view()), k + 1 < layers.size() ? "," : "");
  }
  return out + "  ]\n}\n";
}

#define TAPEGRAD_MODEL_IO(T)                                              \
  template ModelSpec to_spec(const nn::Mlp<T>&);                          \
  template nn::Mlp<T> to_mlp(const ModelSpec&);                           \
  template void save_mlp(const nn::Mlp<T>&, const std::filesystem::path&); \
  template nn::Mlp<T> load_mlp(const std::filesystem::path&);
TAPEGRAD_MODEL_IO(float)
TAPEGRAD_MODEL_IO(double)
#undef TAPEGRAD_MODEL_IO

}  // namespace tapegrad::io
