//! How a predicted cochleagram becomes sound: the options every caller of synthesis
//! (`foley predict`, `export`, `eval`) shares.
use super::{ExampleParams, HitParams, Retrieval};

/// How the predicted cochleagram becomes sound.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
pub enum SynthMode {
    /// Retrieve recorded hits from the model's sound bank (SPEC §6).
    #[default]
    Example,
    /// Impose the envelopes on noise (SPEC §3).
    Parametric,
}

/// Synthesis options of a prediction.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SynthOptions {
    pub mode: SynthMode,
    pub retrieval: Retrieval,
    pub hits: HitParams,
    /// Output sample rate (Hz).
    pub rate: u32,
    /// Parametric synthesis iterations (SPEC §3: 10).
    pub iters: usize,
    /// Example synthesis: also fill the non-hit background (the cochleagram's running
    /// minimum over ±`BACKGROUND_SECONDS`) with noise shaped to it
    /// ([`super::background::NoiseFill`]).
    pub background: bool,
    pub seed: u64,
    /// Example synthesis: [`ExampleParams::dynamics`].
    pub dynamics: f32,
}

/// Half-width of the running minimum that separates the background from hits (s).
pub const BACKGROUND_SECONDS: f64 = 0.25;

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            mode: SynthMode::Example,
            retrieval: Retrieval::default(),
            hits: HitParams::default(),
            rate: 48_000,
            iters: 10,
            background: true,
            seed: 0,
            dynamics: ExampleParams::default().dynamics,
        }
    }
}

