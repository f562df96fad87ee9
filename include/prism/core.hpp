// <prism/core.hpp>: every public header of the core/ layer: Tensor (storage + shape + strides),
// dtypes, errors, random generators, runtime settings (threads, BLIS).
#pragma once
#include "prism/core/dtype.hpp"
#include "prism/core/error.hpp"
#include "prism/core/json.hpp"
#include "prism/core/layout.hpp"
#include "prism/core/memory.hpp"
#include "prism/core/parallel.hpp"
#include "prism/core/regular_file.hpp"
#include "prism/core/rng.hpp"
#include "prism/core/runtime.hpp"
#include "prism/core/shape.hpp"
#include "prism/core/storage.hpp"
#include "prism/core/tensor.hpp"
#include "prism/core/value_range.hpp"
