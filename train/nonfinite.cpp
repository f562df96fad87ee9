#include "prism/train/nonfinite.hpp"

#include <cmath>
#include <filesystem>

namespace prism::train {

namespace {

bool all_finite(const Tensor& t) {
    if (!t.defined()) return true;
    if (t.dtype() == kFloat32 && t.is_contiguous()) {
        const float* p = t.data<float>();
        for (std::int64_t i = 0, n = t.numel(); i < n; ++i)
            if (!std::isfinite(p[i])) return false;
        return true;
    }
    for (double v : t.to_vector<double>())
        if (!std::isfinite(v)) return false;
    return true;
}

}  // namespace

std::string first_nonfinite_grad(const nn::Module& model) {
    for (const auto& [name, p] : model.named_parameters())
        if (!all_finite(p.grad())) return name;
    return "";
}

std::string first_nonfinite_param(const nn::Module& model) {
    for (const auto& [name, p] : model.named_parameters())
        if (!all_finite(p)) return name;
    return "";
}

bool NonFiniteGuard::step_ok(std::int64_t step, double loss, double grad_norm, const nn::Module& model,
                             std::int64_t& skipped, JsonlLog& log) const {
    if (std::isfinite(loss) && std::isfinite(grad_norm)) return true;
    const std::string param = first_nonfinite_grad(model);
    const std::string what =
        Error::cat("step ", step, ": ", std::isfinite(loss) ? "non-finite gradient" : "non-finite loss", " (loss ",
                   loss, ", gradient norm ", grad_norm, "); ",
                   param.empty() ? std::string("every gradient is finite")
                                 : "first parameter with a non-finite gradient: " + param);
    const bool skip = skipped < max_skips_;
    if (skip) ++skipped;
    nlohmann::json rec = {{"type", "nonfinite"}, {"step", step}, {"loss", std::isfinite(loss) ? nlohmann::json(loss) : nlohmann::json(Error::cat(loss))},
                          {"param", param},      {"skipped", skipped}, {"action", skip ? "skip" : "stop"}};
    log.write(rec);
    if (skip) return false;
    throw Error("train", what, "; training stopped without updating the model",
                last_.empty() || !std::filesystem::exists(last_) ? std::string()
                                                                  : " (" + last_ + " keeps the last good checkpoint)",
                max_skips_ > 0 ? Error::cat("; ", max_skips_, " such steps were already skipped (--skip-nonfinite ",
                                            max_skips_, ")")
                               : std::string("; --skip-nonfinite N skips up to N such steps instead"));
}

void check_finite_before_save(const nn::Module& model, std::int64_t step, const std::string& path) {
    const std::string p = first_nonfinite_param(model);
    if (!p.empty())
        throw Error("train", "step ", step, ": parameter ", p, " is not finite; not saving ", path,
                    " (the previous file is kept)");
}

}  // namespace prism::train
