// All of tapegrad in one include: the engine (autograd/), layers and training
// (nn/), model files and CSV (io/), the hand derivation and the checks
// (reference/), data-parallel training (dist/; its MPI communicator,
// dist/mpi_communicator.hpp, is in `tapegrad_mpi`), graph dumps and the
// step-through page (viz/). Link with the `tapegrad` library, and
// `tapegrad_viz` for viz/.
#pragma once

#include "autograd/autograd.hpp"
#include "dist/communicator.hpp"
#include "dist/data_parallel.hpp"
#include "io/csv.hpp"
#include "io/file.hpp"
#include "io/model_format.hpp"
#include "io/model_io.hpp"
#include "nn/nn.hpp"
#include "reference/check.hpp"
#include "reference/example_4321.hpp"
#include "reference/hand_backprop.hpp"
#include "reference/scalar_network.hpp"
#include "viz/backprop_view.hpp"
#include "viz/graph_export.hpp"
#include "viz/graphviz.hpp"
#include "viz/html_view.hpp"
#include "viz/training_plot.hpp"
