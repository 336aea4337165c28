// gen-model: write a random-weight model with the real shape of a known model (for benchmarks).
#include <cstdio>

#include "app/cli/cli_args.h"
#include "app/cli/commands.h"
#include "engine/models/text/synthetic_model.h"
#include "engine/models/vision/synthetic_mmproj.h"

namespace tessera::cli {

int cmd_gen_model(int argc, char** argv) {
    Args args(argc, argv, 2, {"--arch", "--preset", "--type", "-o", "--seed", "--layers"}, {});
    if (args.required("--preset").ends_with("-mmproj")) {  // a vision encoder + projector (mmproj GGUF)
        auto mp = synthetic_mmproj_preset(args.required("--preset"));
        if (!mp.is_ok()) throw UsageError(mp.status().message());
        SyntheticMmprojSpec spec = mp.value();
        spec.weight_type = args.str("--type", spec.weight_type);
        spec.seed = static_cast<uint64_t>(args.integer("--seed", 1));
        spec.n_layer = args.integer("--layers", spec.n_layer);
        const std::string out = args.required("-o");
        const Status s = write_synthetic_mmproj(spec, out);
        if (!s.is_ok()) throw std::runtime_error(s.to_string());
        std::fprintf(stderr, "wrote %s (mmproj %s, %s)\n", out.c_str(), spec.projector_type.c_str(), spec.weight_type.c_str());
        return 0;
    }
    auto preset = synthetic_preset(args.required("--preset"));
    if (!preset.is_ok()) throw UsageError(preset.status().message());
    SyntheticModelSpec spec = preset.value();
    spec.arch = args.str("--arch", spec.arch);
    spec.weight_type = args.str("--type", "q8_0");
    spec.seed = static_cast<uint64_t>(args.integer("--seed", 1));
    spec.n_layer = args.integer("--layers", spec.n_layer);
    const std::string out = args.required("-o");
    const Status s = write_synthetic_text_model(spec, out);
    if (!s.is_ok()) throw std::runtime_error(s.to_string());
    std::fprintf(stderr, "wrote %s (%s, %s)\n", out.c_str(), spec.arch.c_str(), spec.weight_type.c_str());
    return 0;
}

}  // namespace tessera::cli
