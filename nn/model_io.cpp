// Model files: an Mlp saved to and loaded from the JSON model format.
#include "nn/mlp.hpp"

namespace tapegrad::nn {

template <class T>
void Mlp<T>::save(const std::filesystem::path& path) const {
  write_model(to_spec(), path);
}

template <class T>
Mlp<T> Mlp<T>::load(const std::filesystem::path& path) {
  return from_spec(read_model(path));
}

template void Mlp<float>::save(const std::filesystem::path&) const;
template void Mlp<double>::save(const std::filesystem::path&) const;
template Mlp<float> Mlp<float>::load(const std::filesystem::path&);
template Mlp<double> Mlp<double>::load(const std::filesystem::path&);

}  // namespace tapegrad::nn
