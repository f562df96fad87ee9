#include "prism/train/loop.hpp"

#include <cstdio>
#include <filesystem>

#include "prism/autograd/functions.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/optim/clip.hpp"
#include "prism/train/out_dir.hpp"

namespace prism::train {

TrainLoop::TrainLoop(nn::Module& model, optim::Optimizer& opt, optim::LRSchedule schedule, const LoopOptions& opts,
                     nlohmann::json config, const nlohmann::json& run, data::DataLoader* loader)
    : model_(model),
      opt_(opt),
      schedule_(std::move(schedule)),
      opts_(opts),
      config_(std::move(config)),
      loader_(loader),
      comm_(opts.comm ? *opts.comm : alone_),
      dp_(comm_, opt, opts.dist),  // checks the micro-batch count before anything is written
      verbose_(opts.verbose && comm_.is_main()),
      last_(opts.out_dir.empty() ? "" : opts.out_dir + "/last.safetensors"),
      best_(opts.out_dir.empty() ? "" : opts.out_dir + "/best.safetensors"),
      guard_(opts.skip_nonfinite, last_) {
    PRISM_CHECK(!loader || comm_.size() == 1 || loader->options().parts == comm_.size(), "train",
                "the loader builds ", loader->options().parts, " parts of each batch for ", comm_.size(), " ranks");
    if (comm_.is_main()) prepare_out_dir(opts.out_dir, opts.resume, opts.overwrite, verbose_);
    comm_.barrier("barrier after preparing --out");
    resume(loader, run);
    st_.run = run;
    dp_.check_parameters("at the start (step " + std::to_string(st_.step) + ")");
    // A resumed run first cuts metrics.jsonl back to its length at the checkpoint.
    if (!opts.out_dir.empty() && comm_.is_main()) log_ = JsonlLog(opts.out_dir + "/metrics.jsonl", st_.log_bytes);
}

void TrainLoop::resume(data::DataLoader* loader, const nlohmann::json& run) {
    if (!opts_.resume || last_.empty() || !std::filesystem::exists(last_)) return;
    st_ = resume_from(last_, model_, opt_, loader, config_, run);
    if (!verbose_) return;
    std::printf("resumed from %s at step %lld", last_.c_str(), static_cast<long long>(st_.step));
    if (loader) std::printf(" (epoch %lld)", static_cast<long long>(st_.loader.epoch));
    std::printf("\n");
}

StepResult TrainLoop::train_step(std::int64_t rows, std::size_t nstats, const MicroStep& micro) {
    StepResult s;
    s.lr = schedule_(st_.step);
    opt_.set_lr(s.lr);
    if (!dp_.active()) {
        s.stats.assign(nstats, 0.0);
        Tensor loss = micro(0, rows, s.stats.data());
        opt_.zero_grad();  // zeroes the grad slab in place; backward then accumulates into it
        loss.backward();
        s.stats[0] = loss.item();
    } else {
        // micro-batches of the global batch, this rank's share; gradients averaged over ranks
        s.stats = dp_.step(st_.step, nstats, [&](std::int64_t k, double* stats) {
            const auto [lo, hi] = dist::DataParallel::rows(rows, dp_.micro_batches(), k);
            if (hi == lo) return;
            Tensor loss = micro(lo, hi, stats) * (static_cast<double>(hi - lo) / rows);
            loss.backward();
            stats[0] += loss.item();
        });
    }
    s.loss = s.stats[0];
    if (opts_.after_backward) opts_.after_backward(st_.step + 1);
    s.grad_norm = opts_.grad_clip > 0 ? optim::clip_grad_norm_(opt_.params(), opts_.grad_clip)
                                      : optim::grad_norm(opt_.params());
    // A non-finite step consumes its batch without updating the model (or stops the run).
    s.updated = guard_.step_ok(st_.step + 1, s.loss, s.grad_norm, model_, st_.nonfinite_skipped, log_);
    if (s.updated) opt_.step();
    ++st_.step;
    dp_.maybe_check(st_.step);
    return s;
}

void TrainLoop::log_step(const StepResult& s, const nlohmann::json& extra) {
    nlohmann::json rec = {{"type", "step"}, {"step", st_.step}, {"loss", s.loss}, {"lr", s.lr},
                          {"grad_norm", s.grad_norm}};
    if (extra.is_object()) rec.update(extra);
    log_.write(rec);
}

void TrainLoop::save(const std::string& path) {
    if (path.empty() || !comm_.is_main()) return;
    check_finite_before_save(model_, st_.step, path);
    st_.log_bytes = log_.bytes();
    if (loader_) st_.loader = loader_->state();
    io::save_checkpoint(path, model_, config_, opt_.state_tensors(), st_.to_json());
}

}  // namespace prism::train
