// Embed an rpath to libtorch's lib/ so the binary runs without LD_LIBRARY_PATH, and link
// libtorch with --no-as-needed: without it the CUDA backend is dropped and CUDA is not
// detected on a GPU machine (see ../shared/docs/ENVIRONMENT.md).
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_TCH_LIBTORCH_LIB");
    if let Ok(lib) = std::env::var("DEP_TCH_LIBTORCH_LIB") {
        println!("cargo:rustc-link-arg=-Wl,-rpath={lib}");
    }
    println!("cargo:rustc-link-arg=-Wl,--no-as-needed");
    println!("cargo:rustc-link-arg=-ltorch");
}
