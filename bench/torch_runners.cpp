// LibTorch contender for W1-W3: tensors with requires_grad, addmm, autograd,
// and the same plain SGD update. Kept in its own file: torch headers compile slowly.
#include <torch/torch.h>

#include "bench/workloads.hpp"

namespace bench {
namespace {

class TorchMlp final : public Runner {
 public:
  explicit TorchMlp(const MlpProblem& p) : p_(p) {
    dtype_ = p.float64 ? torch::kFloat64 : torch::kFloat32;
    for (std::size_t l = 0; l < p.layers(); ++l) {
      params_.push_back(from(p.W[l], p.sizes[l], p.sizes[l + 1]).requires_grad_(true));
      params_.push_back(from(p.b[l], 1, p.sizes[l + 1]).requires_grad_(true));
    }
    x_ = from(p.x, p.batch, p.inputs());
    y_ = from(p.y, p.batch, p.outputs());
    if (p.loss == LossKind::cross_entropy)
      labels_ = torch::tensor(std::vector<std::int64_t>(p.labels), torch::kInt64);
  }

  void step() override {
    forward_backward();
    torch::NoGradGuard no_grad;
    for (torch::Tensor& q : params_) {
      q.sub_(q.grad(), p_.lr);
      q.mutable_grad().zero_();
    }
  }

  std::vector<double> gradient() override {
    forward_backward();
    std::vector<double> g;
    for (torch::Tensor& q : params_) {
      const torch::Tensor d = q.grad().to(torch::kFloat64).contiguous();
      g.insert(g.end(), d.data_ptr<double>(), d.data_ptr<double>() + d.numel());
      q.mutable_grad().zero_();
    }
    return g;
  }

 private:
  torch::Tensor from(const std::vector<double>& v, std::size_t rows, std::size_t cols) const {
    return torch::from_blob(const_cast<double*>(v.data()),
                            {static_cast<std::int64_t>(rows), static_cast<std::int64_t>(cols)},
                            torch::kFloat64)
        .to(dtype_)
        .clone();
  }

  void forward_backward() {
    torch::Tensor a = x_;
    for (std::size_t l = 0; l < p_.layers(); ++l) {
      torch::Tensor z = torch::addmm(params_[2 * l + 1], a, params_[2 * l]);
      if (l + 1 == p_.layers()) a = z;
      else a = p_.hidden == Hidden::relu ? torch::relu(z) : torch::sigmoid(z);
    }
    torch::Tensor loss = p_.loss == LossKind::cross_entropy
                             ? torch::nn::functional::cross_entropy(a, labels_)
                             : torch::binary_cross_entropy_with_logits(a, y_);
    loss.backward();
  }

  const MlpProblem& p_;
  torch::Dtype dtype_;
  std::vector<torch::Tensor> params_;
  torch::Tensor x_, y_, labels_;
};

}  // namespace

std::unique_ptr<Runner> torch_mlp(const MlpProblem& p) { return std::make_unique<TorchMlp>(p); }

void torch_threads(int threads) { torch::set_num_threads(threads); }

std::string torch_version() {
  return "LibTorch " + std::to_string(TORCH_VERSION_MAJOR) + "." +
         std::to_string(TORCH_VERSION_MINOR) + "." + std::to_string(TORCH_VERSION_PATCH);
}

}  // namespace bench
