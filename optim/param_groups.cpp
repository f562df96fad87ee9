#include "prism/optim/param_groups.hpp"

namespace prism::optim {

bool is_no_decay(const std::string& name, const Tensor& param) {
    if (param.dim() < 2) return true;
    for (const char* key : {"embed", "wte", "wpe", "pos_embed", "cls_token"})
        if (name.find(key) != std::string::npos) return true;
    return false;
}

std::vector<ParamGroup> default_param_groups(const NamedParams& named_params, double weight_decay) {
    std::vector<ParamGroup> groups(2);
    groups[0].weight_decay = weight_decay;
    groups[1].weight_decay = 0.0;
    for (const auto& [name, p] : named_params) {
        ParamGroup& g = groups[is_no_decay(name, p) ? 1 : 0];
        g.names.push_back(name);
        g.params.push_back(p);
    }
    return groups;
}

ParamGroup single_group(const NamedParams& named_params) {
    ParamGroup g;
    for (const auto& [name, p] : named_params) {
        g.names.push_back(name);
        g.params.push_back(p);
    }
    return g;
}

ParamGroup single_group(const std::vector<Tensor>& params) {
    ParamGroup g;
    g.params = params;
    return g;
}

}  // namespace prism::optim
