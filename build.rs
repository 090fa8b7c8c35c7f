// Embed an rpath to libtorch's lib/ so the binary runs without LD_LIBRARY_PATH.
//
// libtorch's CUDA half (libtorch_cuda.so, which pulls in cuBLAS, cuDNN, NCCL, ...) is *not*
// linked: loading it costs ~0.15 s at every start, a third of a short command, and is useless
// on a machine without an NVIDIA GPU. `foley::model::cuda::load_backend` dlopens it at start-up
// when an NVIDIA driver is present, before any torch call, which registers the CUDA backend
// exactly as linking it with `--no-as-needed -ltorch` would (../shared/docs/ENVIRONMENT.md).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath={lib}");
        println!("cargo:rustc-env=FOLEY_TORCH_LIB={lib}");
    }
}
