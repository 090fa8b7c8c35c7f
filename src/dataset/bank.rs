//! Building a bank from a Greatest-Hits-layout dataset (`foley bank build`; `foley train`
//! writes one into every model directory with [`build_from_dataset`]).
use crate::synth::bank::{cut_entries, Bank, BankBuilder, BankEntry, BankParams};
use crate::cochleagram::{features, Params};
use super::{Clip, Dataset, Split};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// Cut the entries of one clip: its audio (`<id>_denoised.wav`) read, analysed with
/// `features` (SPEC §2 defaults, the model's targets) and resampled to the bank rate.
pub fn clip_entries(clip: &Clip, params: &BankParams, analysis: &Params) -> Result<(usize, Vec<BankEntry>)> {
    let wave = crate::audio::read_audio(&clip.audio)?;
    let coch = features(&wave, analysis)?;
    let wave = crate::audio::resample(&wave, params.rate);
    Ok((coch.bands, cut_entries(params, &clip.id, &wave, &coch, &clip.actions)?))
}

/// A bank from every clip of `split` (in parallel; `progress` is called after each clip
/// with (clips done, clips in total)).
pub fn build_from_dataset(ds: &Dataset, split: Split, params: &BankParams, progress: &(dyn Fn(u64, u64) + Sync)) -> Result<Bank> {
    let analysis = Params { compression: params.compression as f64, ..Params::default() };
    let clips: Vec<&Clip> = ds.clips(split).collect();
    if clips.is_empty() {
        return Err(Error::bad(&ds.root, format!("no clips in split '{}'", split.as_str())));
    }
    let total = clips.len() as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let cut: Vec<Result<(usize, Vec<BankEntry>)>> = clips
        .par_iter()
        .map(|c| {
            let r = clip_entries(c, params, &analysis);
            progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
            r
        })
        .collect();
    let mut b = BankBuilder::new(params.clone())?;
    for (clip, r) in clips.iter().zip(cut) {
        let (bands, entries) = r?;
        b.add_entries(&clip.id, bands, entries)?;
    }
    b.finish()
}
