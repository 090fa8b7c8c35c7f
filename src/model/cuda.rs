//! Run-time loading of libtorch's CUDA backend (see `build.rs` for why it is not linked).
use std::ffi::CString;
use std::path::Path;
use std::sync::OnceLock;

/// Whether the machine has an NVIDIA driver (the kernel module, or its device nodes in a
/// container). Cheap: no library is loaded.
pub fn driver_present() -> bool {
    ["/proc/driver/nvidia/version", "/dev/nvidiactl", "/dev/nvidia0"].iter().any(|p| Path::new(p).exists())
}

/// Load `libtorch_cuda.so` (once) when an NVIDIA driver is present, so that CUDA devices are
/// found. Must run before the first torch call; `foley` calls it first thing in `main`.
/// Returns whether the backend is loaded. Without a driver, or with a CPU-only libtorch,
/// nothing is loaded and torch stays CPU-only.
pub fn load_backend() -> bool {
    static LOADED: OnceLock<bool> = OnceLock::new();
    *LOADED.get_or_init(|| {
        if std::env::var_os("FOLEY_NO_CUDA").is_some() || !driver_present() {
            return false;
        }
        // The libtorch this binary was built against first, then the loader's search path
        // (LD_LIBRARY_PATH, the rpath) for a binary copied to another machine.
        let built = option_env!("FOLEY_TORCH_LIB").map(|d| Path::new(d).join("libtorch_cuda.so"));
        let candidates = built.into_iter().filter(|p| p.exists()).map(|p| p.to_string_lossy().into_owned());
        for name in candidates.chain(["libtorch_cuda.so".to_string()]) {
            let c = CString::new(name).expect("library path without NUL");
            // SAFETY: dlopen with a valid C string; the handle is kept open for the process.
            let handle = unsafe { libc::dlopen(c.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
            if !handle.is_null() {
                return true;
            }
        }
        false
    })
}
