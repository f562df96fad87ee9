// `prism info`: what this build is and how it will run on this machine.
#include <iostream>

#include "commands.hpp"
#include "prism/core/runtime.hpp"

namespace prism::cli {

void register_info(CLI::App& app) {
    auto* cmd = app.add_subcommand("info", "print version, compiler, SIMD set, BLIS kernels and thread count");
    cmd->callback([] {
        std::exit(guarded([] {
            const auto& blis = runtime::init_blis();
            std::cout << "prism " << runtime::version() << "\n"
                      << "compiler:  " << runtime::compiler() << "\n"
                      << "simd:      " << runtime::simd_arch() << " (xsimd)\n"
                      << "blis:      " << blis.name << " sub-configuration, BLIS_ARCH_TYPE=" << blis.id << ", "
                      << blis.source << "\n"
                      << "threads:   " << runtime::num_threads() << " (TBB; BLIS single-threaded inside tasks)\n";
            return 0;
        }));
    });
}

}  // namespace prism::cli
