#include "prism/train/classifier.hpp"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/optim/clip.hpp"
#include "prism/optim/schedule.hpp"
#include "prism/train/jsonl.hpp"
#include "prism/train/nonfinite.hpp"
#include "prism/train/out_dir.hpp"
#include "prism/train/progress.hpp"
#include "prism/train/resume_check.hpp"
#include "prism/train/train_state.hpp"

namespace prism::train {

namespace {

std::int64_t count_correct(const Tensor& logits, const Tensor& labels) {
    const auto pred = argmax(logits, 1).to_vector<std::int64_t>();
    const auto y = labels.to_vector<std::int64_t>();
    std::int64_t c = 0;
    for (std::size_t i = 0; i < y.size(); ++i) c += pred[i] == y[i];
    return c;
}

}  // namespace

EvalResult evaluate(nn::Module& model, const ClassifierForward& forward, data::DataLoader& loader) {
    const bool was_training = model.is_training();
    model.eval();
    NoGradGuard no_grad;
    EvalResult r;
    double loss_sum = 0;
    std::int64_t correct = 0;
    loader.set_state({0, 0});
    CrossEntropyOptions ce;
    ce.reduction = Reduction::Sum;
    for (data::Batch b; loader.next(b);) {
        Tensor logits = forward(b.images);
        loss_sum += cross_entropy(logits, b.labels, ce).item();
        correct += count_correct(logits, b.labels);
        r.samples += b.labels.numel();
    }
    model.train(was_training);
    if (r.samples > 0) {
        r.accuracy = static_cast<double>(correct) / r.samples;
        r.loss = loss_sum / r.samples;
    }
    return r;
}

nlohmann::json resume_settings(const ClassifierOptions& opts, const data::DataLoader& train) {
    nlohmann::json run = opts.run_config.is_object() ? opts.run_config : nlohmann::json::object();
    const data::LoaderOptions& lo = train.options();
    const data::ImageDataset& ds = train.dataset();
    const std::uint64_t h = hash_bytes(ds.pixels.data(), ds.pixels.size());
    run["data"] = {{"images", ds.size()},
                   {"samples_per_epoch", train.size()},
                   {"hash", hash_hex(ds.labels.data(), ds.labels.size() * sizeof(std::int64_t), h)}};
    run["batch_size"] = lo.batch_size;
    run["loader"] = {{"seed", lo.seed}, {"shuffle", lo.shuffle}, {"drop_last", lo.drop_last},
                     {"augment", {{"pad", lo.augment.pad}, {"hflip", lo.augment.hflip}}}};
    run["lr"] = opts.lr;
    run["min_lr"] = opts.min_lr;
    run["weight_decay"] = opts.weight_decay;
    run["warmup_epochs"] = opts.warmup_epochs;
    run["label_smoothing"] = opts.label_smoothing;
    run["grad_clip"] = opts.grad_clip;
    return run;
}

FitResult fit_classifier(nn::Module& model, const ClassifierForward& forward, data::DataLoader& train,
                         data::DataLoader* val, const ClassifierOptions& opts, const nlohmann::json& config) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t per_epoch = train.batches_per_epoch();
    PRISM_CHECK(per_epoch > 0, "train", "the training set is empty");
    const std::int64_t total_steps = per_epoch * opts.epochs;
    const auto warmup = static_cast<std::int64_t>(opts.warmup_epochs * per_epoch);
    optim::WarmupCosineLR schedule(opts.lr, warmup, total_steps, opts.min_lr);

    model.train();
    optim::AdamWOptions ao;
    ao.lr = opts.lr;
    ao.weight_decay = opts.weight_decay;
    optim::AdamW opt(optim::default_param_groups(model.named_parameters(), opts.weight_decay), ao);
    dist::SerialCommunicator alone;
    dist::Communicator& comm = opts.comm ? *opts.comm : alone;
    const bool main_rank = comm.is_main();  // writes metrics, progress and checkpoints
    const bool verbose = opts.verbose && main_rank;
    dist::DataParallel dp(comm, opt, opts.dist);
    PRISM_CHECK(comm.size() == 1 || train.options().parts == comm.size(), "train", "the loader builds ",
                train.options().parts, " parts of each batch for ", comm.size(), " ranks");

    FitResult res;
    TrainState st;
    const std::string dir = opts.out_dir;
    const std::string last = dir.empty() ? "" : dir + "/last.safetensors";
    const std::string best = dir.empty() ? "" : dir + "/best.safetensors";
    if (main_rank) prepare_out_dir(dir, opts.resume, opts.overwrite, verbose);
    comm.barrier("barrier after preparing --out");
    const nlohmann::json run = resume_settings(opts, train);
    if (opts.resume && !last.empty() && std::filesystem::exists(last)) {
        st = resume_from(last, model, opt, &train, config, run);
        if (verbose)
            std::printf("resumed from %s at step %lld (epoch %lld)\n", last.c_str(), static_cast<long long>(st.step),
                        static_cast<long long>(st.loader.epoch));
    }
    st.run = run;
    dp.check_parameters("at the start (step " + std::to_string(st.step) + ")");
    res.best_val_accuracy = st.best_metric;
    JsonlLog log = dir.empty() || !main_rank ? JsonlLog() : JsonlLog(dir + "/metrics.jsonl", st.log_bytes);
    const NonFiniteGuard guard(opts.skip_nonfinite, last);

    auto save = [&](const std::string& path) {
        if (path.empty() || !main_rank) return;
        check_finite_before_save(model, st.step, path);
        st.log_bytes = log.bytes();
        st.loader = train.state();
        io::save_checkpoint(path, model, config, opt.state_tensors(), st.to_json());
    };

    CrossEntropyOptions ce;
    ce.label_smoothing = opts.label_smoothing;
    bool stopped = false;
    const auto step_limit_reached = [&] { return opts.max_steps >= 0 && st.step >= opts.max_steps; };
    while (train.state().epoch < opts.epochs && !stopped && !step_limit_reached()) {  // --max-steps 0: no step
        const std::int64_t epoch = train.state().epoch;
        const std::int64_t first_batch = train.state().batch;  // > 0 when resumed mid-epoch
        Progress bar("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(opts.epochs), per_epoch, "samples",
                     first_batch);
        TrainState::EpochTally& tally = st.tally;  // restored by a resume, so it covers the whole epoch
        double shown_loss = 0;
        std::int64_t seen = 0;                      // samples in this process (throughput)
        const auto epoch_t0 = std::chrono::steady_clock::now();
        data::Batch b;
        while (train.next(b)) {
            const double lr = schedule.lr_at(st.step);
            opt.set_lr(lr);
            double lv = 0;
            std::int64_t correct = 0, samples = 0;
            if (!dp.active()) {
                Tensor logits = forward(b.images);
                Tensor loss = cross_entropy(logits, b.labels, ce);
                opt.zero_grad();  // zeroes the grad slab in place; backward then accumulates into it
                loss.backward();
                lv = loss.item();
                correct = count_correct(logits, b.labels);
                samples = b.labels.numel();
            } else {
                // micro-batches of the global batch, this rank's share; gradients averaged over ranks
                const auto totals = dp.step(st.step, 3, [&](std::int64_t k, double* stats) {
                    const auto [lo, hi] = dist::DataParallel::rows(b.global_size, dp.micro_batches(), k);
                    if (hi == lo) return;
                    const Tensor x = b.images.narrow(0, lo - b.first_row, hi - lo);
                    const Tensor y = b.labels.narrow(0, lo - b.first_row, hi - lo);
                    Tensor logits = forward(x);
                    Tensor loss = cross_entropy(logits, y, ce) * (static_cast<double>(hi - lo) / b.global_size);
                    loss.backward();
                    stats[0] += loss.item();
                    stats[1] += static_cast<double>(count_correct(logits, y));
                    stats[2] += static_cast<double>(hi - lo);
                });
                lv = totals[0];
                correct = static_cast<std::int64_t>(totals[1]);
                samples = static_cast<std::int64_t>(totals[2]);
            }
            if (opts.after_backward) opts.after_backward(st.step + 1);
            const double gnorm = opts.grad_clip > 0 ? optim::clip_grad_norm_(opt.params(), opts.grad_clip)
                                                    : optim::clip_grad_norm_(opt.params(), 1e30);
            if (!guard.step_ok(st.step + 1, lv, gnorm, model, st.nonfinite_skipped, log)) {
                ++st.step;  // the batch is consumed, the model not updated
                if (verbose) bar.update(b.batch + 1, seen, shown_loss);
                if (opts.save_every > 0 && st.step % opts.save_every == 0) save(last);
                if (opts.max_steps >= 0 && st.step >= opts.max_steps) {
                    stopped = true;
                    break;
                }
                continue;
            }
            opt.step();
            ++st.step;
            dp.maybe_check(st.step);
            shown_loss = seen == 0 ? lv : 0.9 * shown_loss + 0.1 * lv;
            tally.loss_sum += lv;
            ++tally.batches;
            tally.correct += correct;
            tally.samples += samples;
            seen += samples;
            if (verbose) bar.update(b.batch + 1, seen, shown_loss);
            if (opts.log_every > 0 && st.step % opts.log_every == 0) {
                const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_t0).count();
                nlohmann::json rec = {{"type", "step"}, {"step", st.step}, {"epoch", epoch},
                                      {"loss", lv},     {"lr", lr},        {"grad_norm", gnorm},
                                      {"samples_per_s", secs > 0 ? seen / secs : 0.0}};
                log.write(rec);
            }
            if (opts.probe && opts.probe_every > 0 && st.step % opts.probe_every == 0) {
                nlohmann::json rec = {{"type", "probe"}, {"step", st.step}, {"epoch", epoch}};
                rec.update(opts.probe());
                log.write(rec);
            }
            if (opts.save_every > 0 && st.step % opts.save_every == 0) save(last);
            if (opts.max_steps >= 0 && st.step >= opts.max_steps) {
                stopped = true;
                break;
            }
        }
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - epoch_t0).count();
        const double train_loss = tally.batches ? tally.loss_sum / tally.batches : 0.0;
        // train_loss/train_accuracy cover every batch of the epoch, also across a resume;
        // seconds and samples_per_s cover this process's part (from resumed_at_batch on).
        nlohmann::json rec = {{"type", "epoch"},
                              {"epoch", epoch},
                              {"step", st.step},
                              {"train_loss", train_loss},
                              {"train_accuracy", tally.samples ? static_cast<double>(tally.correct) / tally.samples : 0.0},
                              {"samples_per_s", secs > 0 ? seen / secs : 0.0},
                              {"seconds", secs}};
        if (first_batch > 0) rec["resumed_at_batch"] = first_batch;
        if (st.nonfinite_skipped > 0) rec["nonfinite_skipped"] = st.nonfinite_skipped;
        if (stopped) rec["complete"] = false;  // max_steps ended it: the resumed run writes the whole epoch
        else tally = {};                        // the epoch is done; checkpoints from here on start the next
        std::string summary = Error::cat("loss ", train_loss);
        if (!stopped && val) {
            const EvalResult v = evaluate(model, forward, *val);
            rec["val_accuracy"] = v.accuracy;
            rec["val_loss"] = v.loss;
            summary += Error::cat(", val acc ", v.accuracy * 100, "%");
            if (std::isfinite(v.loss) && v.accuracy > st.best_metric) {  // a NaN model is never "best"
                st.best_metric = v.accuracy;
                save(best);
            }
        }
        if (verbose) bar.finish(summary);
        log.write(rec);
        if (!stopped) ++res.epochs_done;
        save(last);
    }
    res.best_val_accuracy = st.best_metric;
    if (!val && !best.empty()) save(best);  // no validation: the last model is the best we know
    res.steps = st.step;
    res.nonfinite_skipped = st.nonfinite_skipped;
    res.finished = !stopped && train.state().epoch >= opts.epochs;
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace prism::train
