#include "../helpers.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/nn.hpp"

using namespace prism;

namespace {

// A tiny ViT-like trunk: blocks (ModuleList of TransformerBlock) + a final norm.
struct Tiny : nn::Module {
    std::shared_ptr<nn::ModuleList> blocks;
    std::shared_ptr<nn::LayerNorm> norm;
    Tiny(std::int64_t depth, std::int64_t C, std::int64_t NH) : nn::Module("Tiny") {
        blocks = register_module("blocks", std::make_shared<nn::ModuleList>());
        for (std::int64_t i = 0; i < depth; ++i) {
            nn::BlockConfig cfg;
            cfg.dim = C;
            cfg.heads = NH;
            cfg.mlp_dim = 2 * C;
            cfg.layer_index = i;
            blocks->push_back(std::make_shared<nn::TransformerBlock>(cfg));
        }
        norm = register_module("norm", std::make_shared<nn::LayerNorm>(C));
        register_buffer("pos", Tensor::zeros({1, 3, C}));
    }
};

std::vector<std::string> names_of(const std::vector<std::pair<std::string, Tensor>>& v) {
    std::vector<std::string> out;
    for (auto& [n, t] : v) out.push_back(n);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nn_module)

BOOST_AUTO_TEST_CASE(named_parameters_use_pytorch_paths) {
    auto m = std::make_shared<Tiny>(4, 8, 2);
    const auto names = names_of(m->named_parameters());
    // per block: norm1 (2), attn.qkv (2), attn.proj (2), norm2 (2), mlp.fc1 (2), mlp.fc2 (2)
    BOOST_TEST(names.size() == 4u * 12 + 2);
    const std::vector<std::string> first = {"blocks.0.norm1.weight", "blocks.0.norm1.bias",
                                            "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv.bias",
                                            "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias",
                                            "blocks.0.norm2.weight", "blocks.0.norm2.bias",
                                            "blocks.0.mlp.fc1.weight", "blocks.0.mlp.fc1.bias",
                                            "blocks.0.mlp.fc2.weight", "blocks.0.mlp.fc2.bias"};
    BOOST_TEST(std::vector<std::string>(names.begin(), names.begin() + 12) == first, boost::test_tools::per_element());
    BOOST_TEST(names[3 * 12 + 2] == "blocks.3.attn.qkv.weight");
    BOOST_TEST(names.back() == "norm.bias");
    // C=8, hidden 16: 4 * (8+8 + 24*8+24 + 8*8+8 + 8+8 + 16*8+16 + 8*16+8) + 16
    BOOST_TEST(m->num_parameters() == 4 * (16 + 216 + 72 + 16 + 144 + 136) + 16);
    BOOST_TEST(names_of(m->named_buffers()) == std::vector<std::string>{"pos"}, boost::test_tools::per_element());
    BOOST_TEST(m->parameters().size() == names.size());
    auto p = m->blocks->at<nn::TransformerBlock>(3);
    BOOST_TEST(p->path() == "blocks.3");
    BOOST_TEST(p->mlp->fc1->path() == "blocks.3.mlp.fc1");
    bool found = false;
    for (auto& [n, mod] : m->named_modules())
        if (n == "blocks.2.attn") found = mod->type_name() == "MultiHeadSelfAttention";
    BOOST_TEST(found);
    BOOST_TEST(m->repr().find("(qkv): Linear(in_features=8, out_features=24, bias=True)") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(gpt2_names) {
    nn::BlockConfig cfg;
    cfg.dim = 8;
    cfg.heads = 2;
    cfg.names = nn::BlockNames::gpt2();
    cfg.attention.causal = true;
    nn::TransformerBlock b(cfg);
    const auto names = names_of(b.named_parameters());
    const std::vector<std::string> want = {"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
                                           "attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
                                           "mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias"};
    BOOST_TEST(names == want, boost::test_tools::per_element());
    BOOST_TEST(b.mlp->fc1->weight.shape() == (Shape{32, 8}));  // mlp_dim defaults to 4C
}

BOOST_AUTO_TEST_CASE(registration_errors) {
    nn::Module m("M");
    m.register_parameter("w", Tensor::zeros({2}));
    test::check_error([&] { m.register_buffer("w", Tensor::zeros({2})); }, {"'w'", "already registered"});
    test::check_error([&] { m.register_parameter("a.b", Tensor::zeros({2})); }, {"invalid name"});
    nn::AttentionConfig nope;
    nope.kind = "nope";
    test::check_error([&] { nn::make_attention(nope, 8, 2, 0); }, {"make_attention", "nope", "standard"});
    test::check_error([] { nn::make_attention({}, 9, 2, 0); }, {"dim 9", "heads 2"});
}

BOOST_AUTO_TEST_CASE(state_dict_round_trip) {
    manual_seed(1);
    auto a = std::make_shared<Tiny>(2, 8, 2);
    manual_seed(2);
    auto b = std::make_shared<Tiny>(2, 8, 2);
    a->named_buffers()[0].second.fill_(0.5);
    Tensor w = b->blocks->at<nn::TransformerBlock>(1)->mlp->fc2->weight;  // handle taken before the load
    BOOST_TEST(test::max_abs_diff(w, a->blocks->at<nn::TransformerBlock>(1)->mlp->fc2->weight) > 0);
    const auto sd = a->state_dict();
    BOOST_TEST(sd.size() == 2u * 12 + 2 + 1);
    const auto res = b->load_state_dict(sd);
    BOOST_TEST(res.missing_keys.empty());
    BOOST_TEST(res.unexpected_keys.empty());
    for (auto& [name, t] : b->state_dict()) BOOST_TEST(test::max_abs_diff(t, sd.at(name)) == 0, name);
    BOOST_TEST(test::max_abs_diff(w, a->blocks->at<nn::TransformerBlock>(1)->mlp->fc2->weight) == 0);
    BOOST_TEST(w.requires_grad());
    // copies, not aliases: changing a does not change b
    a->norm->weight.fill_(3.0);
    BOOST_TEST(b->norm->weight.to_vector<float>()[0] == 1.0f);
    // state_dict tensors alias the model, like PyTorch
    b->state_dict().at("norm.bias").fill_(2.0);
    BOOST_TEST(b->norm->bias.to_vector<float>()[0] == 2.0f);
}

BOOST_AUTO_TEST_CASE(load_state_dict_errors) {
    auto m = std::make_shared<Tiny>(2, 8, 2);
    auto sd = m->state_dict();
    auto bad = sd;
    bad["blocks.1.attn.qkv.weight"] = Tensor::zeros({24, 6});
    test::check_error([&] { m->load_state_dict(bad); },
                      {"load_state_dict", "blocks.1.attn.qkv.weight", "(24, 6)", "(24, 8)"});
    test::check_error([&] { m->load_state_dict(bad, false); }, {"blocks.1.attn.qkv.weight", "(24, 6)", "(24, 8)"});

    auto partial = sd;
    partial.erase("norm.weight");
    partial.erase("blocks.0.mlp.fc1.bias");
    partial["head.weight"] = Tensor::zeros({3});
    partial["extra"] = Tensor::zeros({1});
    test::check_error([&] { m->load_state_dict(partial); },
                      {"missing keys", "norm.weight", "blocks.0.mlp.fc1.bias", "unexpected keys", "head.weight", "extra"});

    // non-strict: loads everything it can and reports the rest
    partial["blocks.0.mlp.fc2.bias"] = Tensor::full({8}, 7.0, kFloat64);  // dtype converts
    m->norm->weight.fill_(5.0);
    const auto res = m->load_state_dict(partial, false);
    BOOST_TEST(res.missing_keys == (std::vector<std::string>{"blocks.0.mlp.fc1.bias", "norm.weight"}),
               boost::test_tools::per_element());
    BOOST_TEST(res.unexpected_keys == (std::vector<std::string>{"extra", "head.weight"}), boost::test_tools::per_element());
    BOOST_TEST(m->blocks->at<nn::TransformerBlock>(0)->mlp->fc2->bias.to_vector<float>()[3] == 7.0f);
    BOOST_TEST(m->norm->weight.to_vector<float>()[0] == 5.0f);  // missing: untouched
}

BOOST_AUTO_TEST_CASE(train_eval_propagates) {
    auto m = std::make_shared<Tiny>(2, 8, 2);
    BOOST_TEST(m->is_training());
    m->eval();
    for (auto& [n, mod] : m->named_modules()) BOOST_TEST(!mod->is_training(), n);
    m->blocks->at<nn::TransformerBlock>(1)->train();
    BOOST_TEST(m->blocks->at<nn::TransformerBlock>(1)->mlp->drop->is_training());
    BOOST_TEST(!m->blocks->at<nn::TransformerBlock>(0)->mlp->drop->is_training());
    m->train();
    for (auto& [n, mod] : m->named_modules()) BOOST_TEST(mod->is_training(), n);
}

BOOST_AUTO_TEST_CASE(dropout_follows_mode) {
    nn::Dropout d(0.5);
    Tensor x = Tensor::ones({1000});
    d.eval();
    BOOST_TEST(d.forward(x).is_same(x));
    d.train();
    const auto y = d.forward(x).to_vector<float>();
    int zeros = 0;
    for (float v : y) {
        BOOST_TEST((v == 0.0f || std::fabs(v - 2.0f) < 1e-6));
        zeros += v == 0.0f;
    }
    BOOST_TEST(zeros > 400);
    BOOST_TEST(zeros < 600);
}

BOOST_AUTO_TEST_CASE(errors_name_the_full_module_path) {
    auto m = std::make_shared<Tiny>(4, 8, 2);
    auto blk = m->blocks->at<nn::TransformerBlock>(3);
    // the model code calls blocks[3] directly (nothing pushed "blocks"); the Linear is deep inside
    test::check_error([&] { blk->mlp->forward(Tensor::zeros({2, 5, 6})); }, {"blocks.3.mlp.fc1: ", "linear", "(2, 5, 6)"});
    test::check_error([&] { blk->mlp->fc2->forward(Tensor::zeros({2, 5, 6})); }, {"blocks.3.mlp.fc2: ", "(2, 5, 6)"});
    test::check_error([&] { blk->forward(Tensor::zeros({2, 5, 6})); }, {"blocks.3.norm1: ", "(2, 5, 6)"});
    // a standalone module has no path
    nn::Linear fc(4, 3);
    try {
        fc.forward(Tensor::zeros({2, 5}));
        BOOST_ERROR("expected an error");
    } catch (const Error& e) {
        BOOST_TEST(std::string(e.what()).rfind("linear", 0) == 0, e.what());
    }
    BOOST_TEST(ModulePath::current() == "");  // guards popped on the way out
}

BOOST_AUTO_TEST_CASE(zero_grad_and_to_float64) {
    manual_seed(3);
    nn::BlockConfig cfg;
    cfg.dim = 8;
    cfg.heads = 2;
    auto b = std::make_shared<nn::TransformerBlock>(cfg);
    Tensor w = b->attn->child("qkv")->named_parameters()[0].second;
    const auto before = w.to_vector<double>();
    b->to(kFloat64);
    BOOST_TEST(w.dtype() == kFloat64);  // the handle kept by the caller sees the conversion
    BOOST_TEST(w.requires_grad());
    BOOST_TEST(w.to_vector<double>() == before, boost::test_tools::per_element());
    for (auto& [n, t] : b->state_dict()) BOOST_TEST(t.dtype() == kFloat64, n);

    Generator g(4);
    Tensor x = Tensor::randn({2, 3, 8}, g, kFloat64);
    sum(b->forward(x)).backward();
    for (auto& [n, t] : b->named_parameters()) BOOST_TEST(t.grad().defined(), n);
    b->zero_grad();
    for (auto& [n, t] : b->named_parameters()) BOOST_TEST(!t.grad().defined(), n);
}

BOOST_AUTO_TEST_CASE(sequential_chains) {
    manual_seed(5);
    auto seq = std::make_shared<nn::Sequential>(std::vector<std::shared_ptr<nn::UnaryModule>>{
        std::make_shared<nn::Linear>(4, 6), std::make_shared<nn::GELU>(), std::make_shared<nn::Linear>(6, 2, false)});
    BOOST_TEST(names_of(seq->named_parameters()) == (std::vector<std::string>{"0.weight", "0.bias", "2.weight"}),
               boost::test_tools::per_element());
    Generator g(6);
    Tensor x = Tensor::randn({3, 4}, g);
    auto l0 = std::dynamic_pointer_cast<nn::Linear>((*seq)[0]);
    auto l2 = std::dynamic_pointer_cast<nn::Linear>((*seq)[2]);
    Tensor want = linear(gelu(linear(x, l0->weight, l0->bias)), l2->weight);
    BOOST_TEST(test::max_abs_diff(seq->forward(x), want) == 0);
    test::check_error([&] { seq->forward(Tensor::zeros({3, 5})); }, {"0: linear", "(3, 5)"});
}

BOOST_AUTO_TEST_CASE(embedding_layer) {
    nn::Embedding emb(10, 4);
    Tensor ids = Tensor::from_vector<std::int64_t>({1, 7, 7, 0, 9, 2}, {2, 3});
    Tensor y = emb.forward(ids);
    BOOST_TEST(y.shape() == (Shape{2, 3, 4}));
    BOOST_TEST(test::max_abs_diff(y.select(0, 0).select(0, 1), emb.weight.select(0, 7)) == 0);
}

BOOST_AUTO_TEST_SUITE_END()
