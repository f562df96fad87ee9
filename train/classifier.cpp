#include "prism/train/classifier.hpp"

#include <chrono>
#include <cmath>

#include "prism/autograd/functions.hpp"
#include "prism/autograd/grad_mode.hpp"
#include "prism/optim/adamw.hpp"
#include "prism/optim/schedule.hpp"
#include "prism/train/loop.hpp"
#include "prism/train/progress.hpp"
#include "prism/train/resume_check.hpp"

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

namespace {

// One epoch in this process: from where the loader stands (mid-epoch after a resume) to its
// end, or to where max_steps stops the run.
struct EpochRun {
    std::int64_t epoch, first_batch;  // first_batch > 0 when resumed mid-epoch
    Progress bar;
    double shown_loss = 0;            // smoothed loss on the bar
    std::int64_t seen = 0;            // samples trained on in this process (throughput)
    bool stopped = false;             // max_steps ended the run in this epoch
    std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();

    EpochRun(const data::DataLoader::State& at, std::int64_t epochs, std::int64_t per_epoch)
        : epoch(at.epoch),
          first_batch(at.batch),
          bar("epoch " + std::to_string(at.epoch + 1) + "/" + std::to_string(epochs), per_epoch, "samples",
              at.batch) {}
};

// The steps of one epoch: cross-entropy and the accuracy tally on each batch, "step" and
// "probe" records, --save-every and --max-steps.
void train_epoch(TrainLoop& loop, const ClassifierForward& forward, data::DataLoader& train,
                 const ClassifierOptions& opts, EpochRun& e) {
    CrossEntropyOptions ce;
    ce.label_smoothing = opts.label_smoothing;
    TrainState::EpochTally& tally = loop.state().tally;  // restored by a resume, so it covers the whole epoch
    for (data::Batch b; !e.stopped && train.next(b);) {
        // rows [lo, hi) of the global batch: logits (rows, K), mean loss; stats[1] correct, stats[2] rows
        const StepResult s = loop.train_step(b.global_size, 3, [&](std::int64_t lo, std::int64_t hi, double* stats) {
            const Tensor y = b.labels.narrow(0, lo - b.first_row, hi - lo);
            Tensor logits = forward(b.images.narrow(0, lo - b.first_row, hi - lo));
            Tensor loss = cross_entropy(logits, y, ce);
            stats[1] += static_cast<double>(count_correct(logits, y));
            stats[2] += static_cast<double>(hi - lo);
            return loss;
        });
        if (s.updated) {
            const auto samples = static_cast<std::int64_t>(s.stats[2]);
            e.shown_loss = e.seen == 0 ? s.loss : 0.9 * e.shown_loss + 0.1 * s.loss;
            tally.loss_sum += s.loss;
            ++tally.batches;
            tally.correct += static_cast<std::int64_t>(s.stats[1]);
            tally.samples += samples;
            e.seen += samples;
        }
        if (loop.verbose()) e.bar.update(b.batch + 1, e.seen, e.shown_loss);
        if (s.updated && loop.every(opts.log_every)) {
            const double secs = seconds_since(e.t0);
            loop.log_step(s, {{"epoch", e.epoch}, {"samples_per_s", secs > 0 ? e.seen / secs : 0.0}});
        }
        if (s.updated && opts.probe && loop.every(opts.probe_every)) {
            nlohmann::json rec = {{"type", "probe"}, {"step", loop.step()}, {"epoch", e.epoch}};
            rec.update(opts.probe());
            loop.log(rec);
        }
        if (loop.every(opts.save_every)) loop.save_last();
        e.stopped = loop.max_steps_reached();
    }
}

// The end of an epoch, or of the part of it max_steps let run: the "epoch" record, validation
// accuracy (best.safetensors when it is the highest so far), last.safetensors.
void end_epoch(TrainLoop& loop, nn::Module& model, const ClassifierForward& forward, data::DataLoader* val,
               EpochRun& e) {
    TrainState& st = loop.state();
    const double secs = seconds_since(e.t0);
    const double train_loss = st.tally.batches ? st.tally.loss_sum / st.tally.batches : 0.0;
    // train_loss/train_accuracy cover every batch of the epoch, also across a resume;
    // seconds and samples_per_s cover this process's part (from resumed_at_batch on).
    nlohmann::json rec = {
        {"type", "epoch"},
        {"epoch", e.epoch},
        {"step", st.step},
        {"train_loss", train_loss},
        {"train_accuracy", st.tally.samples ? static_cast<double>(st.tally.correct) / st.tally.samples : 0.0},
        {"samples_per_s", secs > 0 ? e.seen / secs : 0.0},
        {"seconds", secs}};
    if (e.first_batch > 0) rec["resumed_at_batch"] = e.first_batch;
    if (st.nonfinite_skipped > 0) rec["nonfinite_skipped"] = st.nonfinite_skipped;
    if (e.stopped) rec["complete"] = false;  // max_steps ended it: the resumed run writes the whole epoch
    else st.tally = {};                      // the epoch is done; checkpoints from here on start the next
    std::string summary = Error::cat("loss ", train_loss);
    if (!e.stopped && val) {
        const EvalResult v = evaluate(model, forward, *val);
        rec["val_accuracy"] = v.accuracy;
        rec["val_loss"] = v.loss;
        summary += Error::cat(", val acc ", v.accuracy * 100, "%");
        if (std::isfinite(v.loss) && v.accuracy > st.best_metric) {  // a NaN model is never "best"
            st.best_metric = v.accuracy;
            loop.save_best();
        }
    }
    if (loop.verbose()) e.bar.finish(summary);
    loop.log(rec);
    loop.save_last();
}

}  // namespace

FitResult fit_classifier(nn::Module& model, const ClassifierForward& forward, data::DataLoader& train,
                         data::DataLoader* val, const ClassifierOptions& opts, const nlohmann::json& config) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::int64_t per_epoch = train.batches_per_epoch();
    PRISM_CHECK(per_epoch > 0, "train", "the training set is empty");
    const auto warmup = static_cast<std::int64_t>(opts.warmup_epochs * per_epoch);
    const optim::WarmupCosineLR schedule(opts.lr, warmup, per_epoch * opts.epochs, opts.min_lr);

    model.train();
    optim::AdamWOptions ao;
    ao.lr = opts.lr;
    ao.weight_decay = opts.weight_decay;
    optim::AdamW opt(optim::default_param_groups(model.named_parameters(), opts.weight_decay), ao);
    // Prepares opts.out_dir; with opts.resume, continues from last.safetensors (the loader too).
    TrainLoop loop(model, opt, optim::as_schedule(schedule), opts, config, resume_settings(opts, train), &train);

    FitResult res;
    bool stopped = false;
    while (train.state().epoch < opts.epochs && !stopped && !loop.max_steps_reached()) {  // --max-steps 0: no step
        EpochRun e(train.state(), opts.epochs, per_epoch);
        train_epoch(loop, forward, train, opts, e);
        end_epoch(loop, model, forward, val, e);
        stopped = e.stopped;
        if (!stopped) ++res.epochs_done;
    }
    if (!val) loop.save_best();  // no validation: the last model is the best we know
    res.best_val_accuracy = loop.state().best_metric;
    res.steps = loop.step();
    res.nonfinite_skipped = loop.state().nonfinite_skipped;
    res.finished = !stopped && train.state().epoch >= opts.epochs;
    res.seconds = seconds_since(t0);
    return res;
}

}  // namespace prism::train
