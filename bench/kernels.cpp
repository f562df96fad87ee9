// `prism bench kernels [--reps N]`: throughput of the kernels a training step spends its time
// in, next to the raw BLIS sgemm peak measured in the same run (machines are noisy: ratios
// to the same-run peak are what carry over). Median of `reps` timed runs after one warm-up.
// Measures only; asserts nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "bench.hpp"
#include "prism/core/rng.hpp"
#include "prism/core/runtime.hpp"
#include "prism/core/tensor.hpp"
#include "prism/autograd/functions.hpp"
#include "prism/nn/attention_spectral.hpp"
#include "prism/nn/block.hpp"
#include "prism/ops/attention.hpp"
#include "prism/ops/elementwise.hpp"
#include "prism/ops/layer_norm.hpp"
#include "prism/ops/gemm.hpp"
#include "prism/ops/matmul.hpp"
#include "prism/ops/qr.hpp"
#include "prism/ops/unary.hpp"

namespace prism::bench {

namespace {

double median_seconds(int reps, const std::function<void()>& f) {
    f();  // warm-up: page faults, BLIS packing buffers
    std::vector<double> t;
    for (int i = 0; i < std::max(reps, 1); ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        f();
        t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
}

void row(const std::string& name, const std::string& shape, double sec, const std::string& rate,
         const std::string& extra = "") {
    std::printf("  %-28s %-26s %9.3f ms  %14s  %s\n", name.c_str(), shape.c_str(), sec * 1e3, rate.c_str(),
                extra.c_str());
}

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

double gflops(double M, double N, double K, double sec) { return 2 * M * N * K / sec * 1e-9; }

// Raw sgemm C (M, N) = A (M, K) @ B (K, N), row-major; one BLIS call or split over threads.
double sgemm_seconds(std::int64_t M, std::int64_t N, std::int64_t K, bool parallel, int reps) {
    std::vector<float> a(M * K, 0.5f), b(K * N, 0.25f), c(M * N);
    const auto A = ops::row_major(a.data(), M, K), B = ops::row_major(b.data(), K, N);
    const auto C = ops::row_major(c.data(), M, N);
    return median_seconds(reps, [&] {
        if (parallel) ops::gemm_parallel<float>(1.f, A, B, 0.f, C);
        else ops::gemm<float>(1.f, A, B, 0.f, C);
    });
}

}  // namespace

int run_kernels(int reps) {
    const auto& blis = runtime::init_blis();
    const int threads = runtime::num_threads();
    std::printf("prism bench kernels: BLIS %s (%s), %d thread(s), SIMD %s, median of %d reps\n\n", blis.name.c_str(),
                blis.source.c_str(), threads, runtime::simd_arch().c_str(), reps);

    std::printf("raw bli_sgemm (row-major)\n");
    const double t1 = sgemm_seconds(2048, 2048, 2048, false, reps);
    const double g1 = gflops(2048, 2048, 2048, t1);
    row("sgemm, 1 thread", "2048x2048x2048", t1, fmt("%.1f GFLOP/s", g1));
    const double tp = sgemm_seconds(2048, 2048, 2048, true, reps);
    const double peak = gflops(2048, 2048, 2048, tp);
    row("sgemm, split over threads", "2048x2048x2048", tp, fmt("%.1f GFLOP/s", peak),
        fmt("= peak; %.0f%% of threads x 1-thread", 100 * peak / (g1 * threads)));
    const double ts = sgemm_seconds(6400, 576, 192, true, reps);
    const double gs = gflops(6400, 576, 192, ts);
    row("sgemm, split over threads", "6400x576x192", ts, fmt("%.1f GFLOP/s", gs), fmt("%.0f%% of peak", 100 * gs / peak));

    std::printf("\nlinear (ops::linear / linear_backward; x (B*T, in), w (out, in))\n");
    Generator gen(1);
    struct Shape3 {
        std::int64_t R, in, out;
    };
    for (const Shape3 s : {Shape3{6400, 192, 576}, Shape3{6400, 192, 768}, Shape3{6400, 768, 192}}) {
        Tensor x = Tensor::randn({s.R, s.in}, gen), w = Tensor::randn({s.out, s.in}, gen);
        Tensor b = Tensor::randn({s.out}, gen), dy = Tensor::randn({s.R, s.out}, gen);
        const double flops_g = gflops(s.R, s.out, s.in, 1.0);
        const std::string shape = std::to_string(s.R) + "x" + std::to_string(s.in) + " @ " + std::to_string(s.in) +
                                  "x" + std::to_string(s.out);
        auto report = [&](const char* name, double sec) {
            const double g = flops_g / sec;
            row(name, shape, sec, fmt("%.1f GFLOP/s", g), fmt("%.0f%% of peak", 100 * g / peak));
        };
        report("forward y = x w^T + b", median_seconds(reps, [&] { ops::linear(x, w, b); }));
        report("backward dx = dy w", median_seconds(reps, [&] { ops::linear_backward(dy, x, w, true, false, false); }));
        report("backward dw = dy^T x", median_seconds(reps, [&] { ops::linear_backward(dy, x, w, false, true, false); }));
        const double tdb = median_seconds(reps, [&] { ops::linear_backward(dy, x, w, false, false, true); });
        row("backward db = sum dy", shape, tdb, fmt("%.1f GB/s", 4.0 * s.R * s.out / tdb * 1e-9));
    }

    std::printf("\nattention products (q, k, v permuted views of (B, T, 3, NH, HS); NH 3, HS 64; model FLOPs:\n"
                "forward 4 T^2 HS per head (q k^T, P v), backward 8 T^2 HS (dP, dv, dq, dk))\n");
    for (const std::int64_t T : {50, 197}) {
        const std::int64_t B = T <= 64 ? 128 : 32, NH = 3, HS = 64;
        Tensor qkv = Tensor::randn({B, T, 3, NH, HS}, gen), dout = Tensor::randn({B, NH, T, HS}, gen);
        Tensor q = qkv.select(2, 0).permute({0, 2, 1, 3}), k = qkv.select(2, 1).permute({0, 2, 1, 3}),
               v = qkv.select(2, 2).permute({0, 2, 1, 3});
        const double heads = double(B * NH), fwd_flops = heads * 4.0 * T * T * HS;
        const std::string shape = std::to_string(B * NH) + " x T " + std::to_string(T);
        auto report = [&](const char* name, double flops, double sec) {
            const double g = flops / sec * 1e-9;
            row(name, shape, sec, fmt("%.1f GFLOP/s", g), fmt("%.0f%% of peak", 100 * g / peak));
        };
        const auto bf = ops::blis::attention_forward(q, k, v, false, Tensor());
        report("BLIS per head, forward", fwd_flops,
               median_seconds(reps, [&] { ops::blis::attention_forward(q, k, v, false, Tensor()); }));
        report("BLIS per head, backward", 2 * fwd_flops, median_seconds(reps, [&] {
                   ops::blis::attention_backward(dout, q, k, v, bf.probs, Tensor());
               }));
        const auto ff = ops::attention_forward(q, k, v, false, Tensor());
        report("fused, forward", fwd_flops,
               median_seconds(reps, [&] { ops::attention_forward(q, k, v, false, Tensor()); }));
        report("fused, backward", 2 * fwd_flops, median_seconds(reps, [&] {
                   ops::attention_backward(dout, q, k, v, ff.lse, false, Tensor());
               }));
        report("fused, forward, causal", fwd_flops / 2,
               median_seconds(reps, [&] { ops::attention_forward(q, k, v, true, Tensor()); }));
    }
    {
        Tensor q = Tensor::randn({384, 50, 64}, gen), k = Tensor::randn({384, 50, 64}, gen);
        const double t = median_seconds(reps, [&] { ops::matmul(q, k.transpose(-1, -2)); });
        const double g = 384 * gflops(50, 50, 64, t);
        row("ops::matmul q @ k^T (BLIS)", "384 x (50x64 @ 64x50)", t, fmt("%.1f GFLOP/s", g),
            fmt("%.0f%% of peak", 100 * g / peak));
    }

    std::printf("\nelementwise (float32, 6400x768; GB/s counts bytes read + written)\n");
    {
        Tensor a = Tensor::randn({6400, 768}, gen), c = Tensor::randn({6400, 768}, gen);
        Tensor bias = Tensor::randn({768}, gen);
        const double n = 6400.0 * 768.0;
        auto gbs = [&](const char* name, double bytes_per_elem, const std::function<void()>& f) {
            const double t = median_seconds(reps, f);
            row(name, "(6400, 768)", t, fmt("%.1f GB/s", bytes_per_elem * n / t * 1e-9));
        };
        gbs("add a + b", 12, [&] { ops::add(a, c); });
        gbs("add a + bias (row bcast)", 8, [&] { ops::add(a, bias); });
        gbs("gelu (erf)", 8, [&] { ops::gelu(a); });
        gbs("gelu_tanh", 8, [&] { ops::gelu_tanh(a); });
        gbs("gelu backward (erf)", 12, [&] { ops::gelu_backward(a, c); });
        // the attention output's (B, NH, T, HS) -> (B, T, NH, HS) copy: rows of 64 elements
        Tensor heads = Tensor::randn({128, 3, 50, 64}, gen);
        const double th = median_seconds(reps, [&] { heads.transpose(1, 2).contiguous(); });
        row("copy (B,NH,T,HS)->(B,T,NH,HS)", "(128, 3, 50, 64)", th, fmt("%.1f GB/s", 8.0 * heads.numel() / th * 1e-9));
        // TODO: fused bias+GELU and residual-add+layer-norm once they exist in ops/.
    }
    {
        // layer norm at the ViT-Ti shape (B*T = 6400 rows of C = 192): forward reads x, writes y;
        // backward reads gy and x, writes dx (dweight and dbias are in the same pass)
        const std::int64_t R = 6400, C = 192;
        Tensor x = Tensor::randn({R, C}, gen), gy = Tensor::randn({R, C}, gen);
        Tensor w = Tensor::randn({C}, gen), b = Tensor::randn({C}, gen);
        const auto fwd = ops::layer_norm(x, w, b, 1e-5);
        const double n = double(R) * double(C);
        const double tf = median_seconds(reps, [&] { ops::layer_norm(x, w, b, 1e-5); });
        row("layer norm forward", "(6400, 192)", tf, fmt("%.1f GB/s", 8 * n / tf * 1e-9));
        const double tb = median_seconds(reps, [&] { ops::layer_norm_backward(gy, x, w, b, fwd.mean, fwd.rstd); });
        row("layer norm backward", "(6400, 192)", tb, fmt("%.1f GB/s", 12 * n / tb * 1e-9));
    }

    std::printf("\nQR (Householder, one per spectral-attention layer and step)\n");
    {
        Tensor a = Tensor::randn({192, 192}, gen);
        const double t = median_seconds(reps, [&] { ops::qr(a); });
        row("qr forward", "(192, 192)", t, "");
        auto [q, r] = ops::qr(a);
        Tensor dq = Tensor::randn({192, 192}, gen), dr = Tensor::randn({192, 192}, gen);
        const double tb = median_seconds(reps, [&] { ops::qr_backward(dq, dr, q, r); });
        row("qr backward (dQ and dR)", "(192, 192)", tb, "");
    }

    std::printf("\nspectral vs standard attention, forward + backward (vit-tiny: B 128, T 50, C 192, 3 heads)\n");
    {
        Tensor x = Tensor::randn({128, 50, 192}, gen).requires_grad_();
        auto fwd_bwd = [&](nn::Module& m, auto&& f) {
            return median_seconds(reps, [&] {
                m.zero_grad();
                sum(f()).backward();
            });
        };
        nn::AttentionConfig std_cfg, spec_cfg;
        spec_cfg.kind = "spectral-sharpen";
        spec_cfg.params = {{"clip_lo", -1.0}, {"clip_hi", 0.0}};
        auto std_attn = nn::make_attention(std_cfg, 192, 3, 0, &gen);
        auto spec_attn = nn::make_attention(spec_cfg, 192, 3, 0, &gen);
        nn::AttentionContext ctx;
        const double ta = fwd_bwd(*std_attn, [&] { return std_attn->forward(x, ctx); });
        const double ts_ = fwd_bwd(*spec_attn, [&] { return spec_attn->forward(x, ctx); });
        auto* sp = dynamic_cast<nn::SpectralAttention*>(spec_attn.get());
        const double tq = fwd_bwd(*spec_attn, [&] { return sp->basis(); });
        row("standard attention", "(128, 50, 192)", ta, "");
        row("spectral-sharpen attention", "(128, 50, 192)", ts_, fmt("%.2fx standard", ts_ / ta));
        row("  of which qr(theta) fwd+bwd", "(192, 192)", tq, fmt("%.0f%% of spectral", 100 * tq / ts_));
        nn::BlockConfig bc;
        bc.dim = 192;
        bc.heads = 3;
        bc.gen = &gen;
        nn::TransformerBlock std_block(bc);
        bc.attention = spec_cfg;
        nn::TransformerBlock spec_block(bc);
        const double tb = fwd_bwd(std_block, [&] { return std_block.forward(x); });
        const double tsb = fwd_bwd(spec_block, [&] { return spec_block.forward(x); });
        row("standard block (attn + MLP)", "(128, 50, 192)", tb, "");
        row("spectral-sharpen block", "(128, 50, 192)", tsb,
            fmt("%+.1f%% per block", 100 * (tsb - tb) / tb));
    }
    return 0;
}

}  // namespace prism::bench
