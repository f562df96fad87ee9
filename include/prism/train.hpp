// <prism/train.hpp>: every public header of the train/ layer: the training and evaluation loops,
// progress display, JSONL logs, training state.
#pragma once
#include "prism/train/classifier.hpp"
#include "prism/train/jsonl.hpp"
#include "prism/train/lm.hpp"
#include "prism/train/loop.hpp"
#include "prism/train/nonfinite.hpp"
#include "prism/train/out_dir.hpp"
#include "prism/train/progress.hpp"
#include "prism/train/resume_check.hpp"
#include "prism/train/train_state.hpp"
#include "prism/train/vision_data.hpp"
#include "prism/train/vit_run.hpp"
