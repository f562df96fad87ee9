// `prism spectrum` names, per block, the operator and growth factor its dominant pair uses, the
// dc / tie / hf shares, and the attention-graph Dirichlet energy (docs/oversmoothing.md).
#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "../data/tmpdir.hpp"
#include "../models/tiny_vit.hpp"
#include "cli_driver.hpp"
#include "prism/io/checkpoint.hpp"
#include "prism/models/vit.hpp"

using namespace prism;
using namespace prism::test;

namespace {

std::string tiny_vit_checkpoint(const TmpDir& dir, const std::string& kind) {
    models::ViTConfig c = tiny_vit_config();
    c.attention.kind = kind;
    Generator g(1);
    models::ViT vit(c, &g);
    const std::string path = dir / (kind + ".safetensors");
    io::save_checkpoint(path, vit, c.to_json());
    return path;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cli_spectrum)

BOOST_AUTO_TEST_CASE(names_operator_and_growth_per_kind) {
    TmpDir dir;
    const auto run = [&](const std::string& kind) {
        const auto r = run_cli({"spectrum", "--checkpoint", tiny_vit_checkpoint(dir, kind), "--dataset", "random",
                                "--batch", "4", "--no-plots", "--out", dir / ("out-" + kind)},
                               {}, 120);
        BOOST_REQUIRE_MESSAGE(r.exit_code == 0 && !r.signaled, r.all());
        return r.out;
    };
    const std::string neu = run("neutreno");
    // block 0 is standard attention, block 1 has NeuTRENO's own map
    BOOST_TEST(neu.find("1 + lambda_A lambda_H; eig(W_O^h W_V^h) (HS x HS)") != std::string::npos, neu);
    BOOST_TEST(neu.find("1 + (lambda_A - 0.6) lambda_H; eig(W_O^h W_V^h) (HS x HS)") != std::string::npos, neu);
    BOOST_TEST(neu.find("dirichlet (attention graph") != std::string::npos, neu);
    BOOST_TEST(neu.find("dc / tie / hf") != std::string::npos, neu);
    const std::string sharp = run("spectral-sharpen");
    BOOST_TEST(sharp.find("Lambda_h (H_h = V_h Lambda_h V_h^T)") != std::string::npos, sharp);
    const std::string sv = run("svformer");
    BOOST_TEST(sv.find("n/a: svformer layer >= 1") != std::string::npos, sv);
    BOOST_TEST(sv.find("not applicable in 8 cases") != std::string::npos, sv);  // 2 heads x 4 images
    BOOST_TEST(std::filesystem::exists(dir / "out-neutreno/layers.csv"));
}

BOOST_AUTO_TEST_SUITE_END()
