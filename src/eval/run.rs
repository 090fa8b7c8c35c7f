//! The evaluation driver behind `foley eval`: trains the material classifier on the real
//! sounds of the train split, runs every system on every test clip, scores them (SPEC §7) and
//! writes the report. Prediction is abstracted by [`Systems`], so the driver needs no model:
//! `foley eval` plugs in the model pipeline (and its baselines), tests plug in stand-ins.
use super::report::{ClipAssets, ReportMeta, ReportWriter, SystemResult};
use crate::labels::Action;
use crate::metrics::{score_clip, ClipMetrics, Differences, EvalClip, MaterialModel, Output, SystemMetrics};
use crate::audio::{read_audio, Waveform};
use crate::cochleagram::{self, Cochleagram};
use crate::error::{Error, Result};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A clip of the dataset as evaluation sees it.
#[derive(Clone, Debug)]
pub struct SourceClip {
    pub id: String,
    /// The silent video the systems predict from (shown in the report).
    pub video: Option<PathBuf>,
    /// The real recorded sound.
    pub audio: PathBuf,
    pub actions: Vec<Action>,
}

/// One or more systems that predict a sound for a clip (several when they share work, e.g. a
/// model's cochleagram rendered by nearest and by random example retrieval).
pub trait Systems {
    /// Names, in report order.
    fn names(&self) -> Vec<String>;
    /// One output per name.
    fn predict(&mut self, clip: &SourceClip) -> Result<Vec<Output>>;
}

/// Name of the row that scores the real recorded sound itself (upper bound; its material
/// accuracy is the classifier's accuracy on real test sounds).
pub const REAL_SOUND: &str = "real sound (upper bound)";

/// Options of a run.
pub struct RunOptions<'a> {
    pub out: &'a Path,
    /// Facts for the report header (`seconds` and the material fields are filled in here).
    pub meta: ReportMeta,
    /// Hide the progress bar.
    pub quiet: bool,
}

/// The SPEC §2 analysis with default parameters.
fn features(w: &Waveform) -> Result<Cochleagram> {
    cochleagram::features(w, &cochleagram::Params::default())
}

fn progress(quiet: bool, len: usize, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let pb = ProgressBar::new(len as u64);
    pb.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} clips, {elapsed} (ETA {eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

/// Train the material classifier on the real sounds of `train` (clips whose audio cannot be
/// read are an error naming the file). `None` when the train split has fewer than two
/// labelled materials.
pub fn train_material(train: &[SourceClip], quiet: bool) -> Result<Option<MaterialModel>> {
    let pb = progress(quiet, train.len(), "material classifier: analysing train sounds");
    let coch: Vec<(Cochleagram, &[Action])> = train
        .par_iter()
        .map(|c| {
            let r = features(&read_audio(&c.audio)?).map(|f| (f, c.actions.as_slice()));
            pb.inc(1);
            r
        })
        .collect::<Result<_>>()?;
    pb.finish_and_clear();
    let mut labels: Vec<&crate::labels::Material> = coch.iter().flat_map(|(_, a)| a.iter().filter_map(|a| a.material.as_ref())).collect();
    labels.sort();
    labels.dedup();
    if labels.len() < 2 {
        return Ok(None);
    }
    MaterialModel::train(coch.iter().map(|(c, a)| (c, *a))).map(Some)
}

/// Evaluate `systems` (the first name of the first entry is the model under test, whose
/// sounds and cochleagrams go into the report) on `test`, write `metrics.json` and
/// `index.html` under `opts.out`, and return the results (the real-sound row last).
pub fn evaluate(
    train: &[SourceClip],
    test: &[SourceClip],
    systems: &mut [Box<dyn Systems>],
    mut opts: RunOptions,
) -> Result<Vec<SystemResult>> {
    let start = Instant::now();
    if test.is_empty() {
        return Err(Error::Param(format!("the {} split of {} has no clips to evaluate", opts.meta.split, opts.meta.data)));
    }
    let material = train_material(train, opts.quiet)?;
    let mut names: Vec<String> = systems.iter().flat_map(|s| s.names()).collect();
    names.push(REAL_SOUND.to_string());
    let mut per_system: Vec<Vec<ClipMetrics>> = vec![Vec::new(); names.len()];
    let mut writer = ReportWriter::create(opts.out)?;
    let pb = progress(opts.quiet, test.len(), "evaluating");
    for clip in test {
        pb.set_message(format!("evaluating {}", clip.id));
        let real = read_audio(&clip.audio)?;
        let real_features = features(&real)?;
        let eval_clip = EvalClip::new(clip.id.clone(), real, real_features, clip.actions.clone());
        let mut outputs = Vec::with_capacity(names.len());
        for s in systems.iter_mut() {
            let out = s.predict(clip)?;
            if out.len() != s.names().len() {
                return Err(Error::Param(format!("{}: a system returned {} outputs for {} names", clip.id, out.len(), s.names().len())));
            }
            outputs.extend(out);
        }
        outputs.push(Output { wave: eval_clip.real.clone(), cochleagram: None });
        let scored: Vec<ClipMetrics> = outputs
            .par_iter()
            .map(|o| score_clip(&eval_clip, o, material.as_ref(), &features))
            .collect::<Result<_>>()?;
        let model_out = &outputs[0];
        let predicted_features = match &model_out.cochleagram {
            Some(c) => c.clone(),
            None => features(&model_out.wave)?,
        };
        writer.add_clip(&ClipAssets {
            id: &clip.id,
            video: clip.video.as_deref(),
            real: &eval_clip.real,
            real_features: &eval_clip.real_features,
            predicted: &model_out.wave,
            predicted_features: &predicted_features,
        })?;
        for (acc, m) in per_system.iter_mut().zip(scored) {
            acc.push(m);
        }
        pb.inc(1);
    }
    pb.finish_and_clear();
    let mut results: Vec<SystemResult> = names
        .iter()
        .zip(per_system)
        .map(|(name, clips)| SystemResult { metrics: SystemMetrics::from_clips(name, &clips), clips })
        .collect();
    if let Some((model, others)) = results.split_first_mut() {
        for r in others {
            r.metrics.vs_model = Differences::paired(&r.clips, &model.clips);
        }
    }
    if let Some(m) = &material {
        opts.meta.material_classes = m.classes.clone();
        opts.meta.material_train_hits = m.train_hits;
    }
    opts.meta.seconds = start.elapsed().as_secs_f64();
    writer.finish(&opts.meta, &results)?;
    Ok(results)
}

/// The clips of `split` of a Greatest-Hits-layout dataset, every annotated action (hit or
/// scratch) a reference onset, its material label kept for the classifier.
pub fn source_clips(data: &crate::dataset::Dataset, split: crate::dataset::Split) -> Vec<SourceClip> {
    data.clips(split)
        .map(|c| SourceClip {
            id: c.id.clone(),
            video: Some(c.video.clone()),
            audio: c.audio.clone(),
            actions: c.actions.clone(),
        })
        .collect()
}
