//! The training loop: Adam with warm-up and cosine decay, a batch producer thread, validation,
//! checkpoints and the time budget.
use super::adam::Adam;
use super::checkpoint::{checkpoint_path, load_checkpoint, save_checkpoint, save_checkpoint_to, State, CHECKPOINT_VERSION};
use super::config::TrainConfig;
use super::normalize::compute_normalization;
use super::run_dir::{append_metric, data_fingerprint, draw_curve, finish_model_dir, save_model, write_metrics, Record};
use super::sampler::{self, Window};
use super::validate::{validate, ValMetrics};
use super::TrainData;
use crate::error::{Error, Result};
use crate::model::Model;
use std::path::PathBuf;
use std::time::Instant;
use tch::{Device, Tensor};

/// How to run training (besides the config).
#[derive(Clone, Debug)]
pub struct TrainOptions {
    pub run: PathBuf,
    pub device: Device,
    pub resume: bool,
    /// Stop after this much training time (all runs of a resumed training together), and plan
    /// the learning-rate schedule to end there.
    pub minutes: Option<f64>,
    /// Stop after this many steps of this invocation (used to test resume).
    pub max_steps: Option<usize>,
    pub quiet: bool,
    /// Write each step's windows, learning rate and loss here (JSON lines), and the state
    /// before the first step beside it (`trace.jsonl` → `trace.init.safetensors`, a checkpoint).
    pub trace: Option<PathBuf>,
    /// Start a new run from this model directory's weights and normalisation (fine-tuning:
    /// fresh optimiser and schedule). Its model config must equal the run's up to read-out
    /// loss weights, or lack the run's hit/scratch read-out ([`Model::load_init`]).
    pub init: Option<PathBuf>,
}

/// Outcome of [`train`].
#[derive(Clone, Debug)]
pub struct Summary {
    pub steps: usize,
    pub elapsed_s: f64,
    pub best_val: Option<ValMetrics>,
    pub final_train_loss: Option<f64>,
    pub steps_per_s: f64,
    pub data_wait_share: f64,
    /// Paused by `--max-steps` (a `--resume` continues).
    pub stopped_early: bool,
    /// What ended (or paused) this invocation.
    pub stopped_by: Stop,
    /// The step whose weights the model directory holds (best on validation).
    pub kept_step: Option<usize>,
}

/// Train on `data` into `opts.run`.
pub fn train(data: &TrainData, config: &TrainConfig, opts: &TrainOptions) -> Result<Summary> {
    config.validate()?;
    if data.train.is_empty() {
        return Err(Error::Data("no training clips".into()));
    }
    let run = &opts.run;
    std::fs::create_dir_all(run).map_err(|e| Error::io(run, e))?;
    let fingerprint = data_fingerprint(data);
    let mcfg = &config.model;
    for c in data.train.iter().chain(&data.val) {
        if c.width != mcfg.width || c.height != mcfg.height || c.bands != mcfg.bands {
            return Err(Error::Param(format!(
                "clip {} is {}x{} with {} bands, the model wants {}x{} with {}: rebuild the cache",
                c.id, c.width, c.height, c.bands, mcfg.width, mcfg.height, mcfg.bands
            )));
        }
    }

    // Fresh start or resume.
    let (mut model, mut opt, mut state) = if opts.resume {
        let (state, tensors) = load_checkpoint(run)?;
        let path = checkpoint_path(run);
        if state.config != *config {
            return Err(Error::bad(&path, "the run was started with a different training config; resume with the same --config"));
        }
        if state.data_fingerprint != fingerprint {
            return Err(Error::bad(&path, "the run was started on different data; resume with the same --data"));
        }
        let mut model = Model::new(state.model_file.model.clone(), state.model_file.normalization.clone(), opts.device)?;
        model.set_weights(&path, &tensors, "model.")?;
        freeze_except(&model, &config.train_only)?;
        let mut opt = Adam::new(model.var_store().variables().into_iter().collect(), config.weight_decay);
        let map: std::collections::HashMap<&str, &Tensor> = tensors.iter().map(|(n, t)| (n.as_str(), t)).collect();
        for i in 0..opt.names().len() {
            let name = opt.names()[i].clone();
            for (kind, dst) in [("m", &mut opt.m[i]), ("v", &mut opt.v[i])] {
                let src = map
                    .get(format!("adam.{kind}.{name}").as_str())
                    .ok_or_else(|| Error::bad(&path, format!("checkpoint lacks optimiser state for `{name}`")))?;
                if src.size() != dst.size() {
                    return Err(Error::bad(&path, format!("optimiser state for `{name}` has the wrong shape")));
                }
                tch::no_grad(|| dst.copy_(src));
            }
        }
        opt.step = state.step as i64;
        write_metrics(run, &state.records)?;
        (model, opt, state)
    } else {
        if checkpoint_path(run).exists() {
            return Err(Error::bad(
                checkpoint_path(run),
                "this run directory already holds a training checkpoint: pass --resume to continue it, or choose another --out",
            ));
        }
        let mut model = match &opts.init {
            // The weights were trained on inputs and targets scaled by that model's statistics:
            // keep them, rather than this data's.
            Some(dir) => Model::load_init(dir, mcfg, opts.device, config.seed)?,
            None => Model::new_seeded(mcfg.clone(), compute_normalization(&data.train, mcfg), opts.device, config.seed)?,
        };
        if let Some(path) = &config.init_backbone {
            model.init_backbone(path)?;
        }
        freeze_except(&model, &config.train_only)?;
        let opt = Adam::new(model.var_store().variables().into_iter().collect(), config.weight_decay);
        let mut model_file = model.file.clone();
        model_file.training = serde_json::json!({ "data": data.source });
        if let Some(dir) = &opts.init {
            model_file.training["init"] = serde_json::json!(dir);
        }
        let state = State {
            version: CHECKPOINT_VERSION,
            config: config.clone(),
            model_file,
            epoch: 0,
            batch: 0,
            step: 0,
            total_steps: 0,
            elapsed_s: 0.0,
            best: None,
            records: Vec::new(),
            data_fingerprint: fingerprint,
            last_val_step: 0,
            last_val_s: 0.0,
            stopped_by: None,
        };
        write_metrics(run, &[])?;
        (model, opt, state)
    };
    model.file = state.model_file.clone();

    let scfg = config.sampler();
    let first_plan_len = sampler::epoch_plan(&data.train, &scfg, 0).len();
    let spe = config.steps_per_epoch.unwrap_or((first_plan_len / config.batch).max(1));
    let limits = Limits::of(config, opts, spe);
    if state.total_steps == 0 {
        state.total_steps = limits.first_total(state.step, opts.max_steps);
    }
    if !opts.quiet && state.step == 0 {
        eprintln!("limits: {}; validation {}", limits.describe(), config.validation_cadence());
    }

    let bar = if opts.quiet { indicatif::ProgressBar::hidden() } else { indicatif::ProgressBar::new(state.total_steps as u64) };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} steps {msg} ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_position(state.step as u64);

    let started = Instant::now();
    let elapsed_before = state.elapsed_s;
    let elapsed = |st: &Instant| elapsed_before + st.elapsed().as_secs_f64();
    let mut steps_this_run = 0usize;
    let (mut wait_s, mut step_s) = (0.0f64, 0.0f64);
    let (mut log_loss, mut log_n, mut log_t0, mut log_steps0) = (0.0f64, 0usize, Instant::now(), 0usize);
    let mut last_loss = None;
    let mut stop: Option<Stop> = None;
    let (b, w) = (config.batch, config.window);
    let (h, wd) = (mcfg.height as i64, mcfg.width as i64);
    let spf = mcfg.steps_per_frame;
    let mut planned_once = state.step > 0;
    let mut trace = match &opts.trace {
        Some(p) => {
            save_checkpoint_to(&p.with_extension("init.safetensors"), &model, &opt, &state)?;
            Some((p, std::io::BufWriter::new(std::fs::File::create(p).map_err(|e| Error::io(p, e))?)))
        }
        None => None,
    };
    // Re-plan the schedule from the speed measured over this invocation (validations included).
    let replan = |state: &mut State, steps_this_run: usize, margin: f64, bar: &indicatif::ProgressBar| {
        if let Some(bs) = limits.budget_s {
            let rate = steps_this_run as f64 / started.elapsed().as_secs_f64().max(1e-9);
            state.total_steps = planned_total(state.step, bs - elapsed(&started), rate, margin, limits.step_limit());
            bar.set_length(state.total_steps as u64);
        }
    };

    while stop.is_none() {
        let plan = sampler::epoch_plan(&data.train, &scfg, state.epoch as u64);
        let batches: Vec<Vec<Window>> =
            (0..spe).map(|i| (0..b).map(|k| plan[(i * b + k) % plan.len()]).collect()).collect();
        let start_batch = state.batch;
        let epoch_done = std::thread::scope(|scope| -> Result<bool> {
            // Batches are assembled on a second thread, two ahead of the training step.
            let (tx, rx) = std::sync::mpsc::sync_channel::<sampler::Batch>(2);
            let train_clips = &data.train;
            let batches_ref = &batches;
            let fps = mcfg.fps;
            scope.spawn(move || {
                for wins in &batches_ref[start_batch..] {
                    if tx.send(sampler::fill_batch(train_clips, wins, w, spf, fps)).is_err() {
                        break;
                    }
                }
            });
            for bi in start_batch..spe {
                stop = limits.reached(state.step, state.total_steps, steps_this_run, elapsed(&started));
                if stop.is_some() {
                    return Ok(false);
                }
                let t0 = Instant::now();
                let batch = rx.recv().map_err(|_| Error::Training("batch producer stopped".into()))?;
                let t1 = Instant::now();
                let ts = (w * spf) as i64;
                let frames = Tensor::from_slice(&batch.frames).view([b as i64, w as i64 + 2, h, wd, 3]);
                let target = Tensor::from_slice(&batch.targets).view([b as i64, ts, mcfg.bands as i64]).to_device(opts.device);
                let (pred, aux) = model.net().forward_train(&frames, config.train_only.is_empty());
                let mut loss = config.loss.cochleagram(&pred, &target);
                if let Some(logits) = aux {
                    let onset = Tensor::from_slice(&batch.onset).view([b as i64, ts]).to_device(opts.device);
                    let material = Tensor::from_slice(&batch.material).view([b as i64, ts]).to_device(opts.device);
                    let loudness = Tensor::from_slice(&batch.log_loudness).view([b as i64, ts]).to_device(opts.device);
                    let scratch = Tensor::from_slice(&batch.scratch).view([b as i64, ts]).to_device(opts.device);
                    let (extra, _, _) = config.loss.read_outs(mcfg, &logits, &onset, &material, &loudness, &scratch);
                    loss = loss + extra;
                }
                opt.zero_grad();
                let lr = config.lr_at(state.step, state.total_steps);
                // Training only a read-out, a batch without its labels has nothing to learn.
                if loss.requires_grad() {
                    loss.backward();
                    opt.clip_grad_norm(config.grad_clip);
                    opt.step(lr);
                }
                let lv = loss.double_value(&[]);
                if !lv.is_finite() {
                    return Err(Error::Training(format!("diverged (loss {lv}) at step {}; lower lr", state.step)));
                }
                if let Some((p, f)) = trace.as_mut() {
                    use std::io::Write;
                    let wins: Vec<(&str, usize, bool)> =
                        batches[bi].iter().map(|w| (data.train[w.clip].id.as_str(), w.start, w.flip)).collect();
                    let line = serde_json::json!({ "step": state.step, "lr": lr, "loss": lv, "windows": wins });
                    writeln!(f, "{line}").and_then(|_| f.flush()).map_err(|e| Error::io(p.as_path(), e))?;
                }
                wait_s += (t1 - t0).as_secs_f64();
                step_s += t0.elapsed().as_secs_f64();
                state.step += 1;
                state.batch += 1;
                steps_this_run += 1;
                log_loss += lv;
                log_n += 1;
                bar.inc(1);
                if state.step % config.log_every == 0 {
                    let sps = (steps_this_run - log_steps0) as f64 / log_t0.elapsed().as_secs_f64().max(1e-9);
                    let rec = Record {
                        kind: "train".into(),
                        step: state.step,
                        epoch: state.epoch,
                        elapsed_s: elapsed(&started),
                        loss: Some(log_loss / log_n as f64),
                        lr: Some(lr),
                        steps_per_s: Some(sps),
                        data_wait_share: Some(wait_s / step_s.max(1e-9)),
                        val: None,
                    };
                    last_loss = rec.loss;
                    bar.set_message(format!("loss {:.3} {:.2} steps/s", log_loss / log_n as f64, sps));
                    append_metric(run, &rec)?;
                    state.records.push(rec);
                    log_loss = 0.0;
                    log_n = 0;
                    log_t0 = Instant::now();
                    log_steps0 = steps_this_run;
                }
                // With a time budget, plan the schedule once the speed is known.
                if !planned_once && steps_this_run == 20.min(spe) {
                    replan(&mut state, steps_this_run, 0.9, &bar);
                    planned_once = true;
                }
                if config.validation_due(state.step - state.last_val_step, elapsed(&started) - state.last_val_s) {
                    state.elapsed_s = elapsed(&started);
                    validate_and_keep(&mut model, &mut state, data, config, run, &bar)?;
                    state.last_val_s = elapsed(&started);
                    replan(&mut state, steps_this_run, 0.95, &bar);
                    draw_curve(run, &state.records)?;
                }
                if state.step % config.checkpoint_every == 0 {
                    state.elapsed_s = elapsed(&started);
                    save_checkpoint(run, &model, &opt, &state)?;
                }
            }
            Ok(true)
        })?;
        if epoch_done {
            state.epoch += 1;
            state.batch = 0;
        }
    }
    let stop = stop.expect("the loop ends with a reason");
    state.elapsed_s = elapsed(&started);
    // The run is over (not just paused by --max-steps): validate where it ended, say why.
    if stop != Stop::MaxSteps {
        state.stopped_by = Some(stop.to_string());
        if state.last_val_step != state.step || state.best.is_none() {
            validate_and_keep(&mut model, &mut state, data, config, run, &bar)?;
        }
        finish_model_dir(run, &state, data)?;
        bar.println(format!(
            "stopped: {stop} after {} steps, {:.1} min; the model directory holds step {}",
            state.step,
            state.elapsed_s / 60.0,
            state.best.map_or("none".to_string(), |(_, s)| s.to_string())
        ));
    }
    save_checkpoint(run, &model, &opt, &state)?;
    draw_curve(run, &state.records)?;
    bar.finish_and_clear();
    let best_val = state
        .best
        .and_then(|(_, step)| state.records.iter().find(|r| r.step == step && r.val.is_some()).and_then(|r| r.val.clone()));
    Ok(Summary {
        steps: state.step,
        elapsed_s: state.elapsed_s,
        best_val,
        final_train_loss: last_loss,
        steps_per_s: steps_this_run as f64 / step_s.max(1e-9),
        data_wait_share: wait_s / step_s.max(1e-9),
        stopped_early: stop == Stop::MaxSteps,
        stopped_by: stop,
        kept_step: state.best.map(|(_, s)| s),
    })
}

/// Validate on the validation clips (if any), record it, and keep the model directory at this
/// step when it scores best so far.
fn validate_and_keep(model: &mut Model, state: &mut State, data: &TrainData, config: &TrainConfig, run: &std::path::Path, bar: &indicatif::ProgressBar) -> Result<()> {
    state.last_val_step = state.step;
    if data.val.is_empty() {
        state.best = Some((f64::NAN, state.step));
        return save_model(run, model, state, data, None);
    }
    let v = validate(model, &data.val, config.loss.eps)?;
    let rec = Record { kind: "val".into(), step: state.step, epoch: state.epoch, elapsed_s: state.elapsed_s, val: Some(v.clone()), ..Default::default() };
    bar.println(format!(
        "step {} ({:.1} min): val loss {:.3} (mean predictor {:.3}), onset AP {:.3} P {:.2} R {:.2}, loudness r {:.2}",
        state.step, state.elapsed_s / 60.0, v.loss, v.mean_baseline_loss, v.onset_ap, v.onset_precision, v.onset_recall, v.loudness_r
    ));
    append_metric(run, &rec)?;
    state.records.push(rec);
    let score = config.select.score(&v);
    if state.best.is_none_or(|(l, _)| score < l) {
        state.best = Some((score, state.step));
        save_model(run, model, state, data, Some(&v))?;
    }
    Ok(())
}

/// Why training ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The time budget (`--minutes`, or the default): the schedule was planned to end in it.
    TimeBudget,
    /// The epoch limit (`epochs`).
    Epochs,
    /// `--max-steps` of this invocation (a pause: `--resume` continues).
    MaxSteps,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::TimeBudget => "time budget reached",
            Stop::Epochs => "epoch limit reached",
            Stop::MaxSteps => "--max-steps reached",
        })
    }
}

/// What ends a run: a time budget, an epoch limit, `--max-steps`; the first reached ends it.
#[derive(Clone, Copy, Debug)]
struct Limits {
    budget_s: Option<f64>,
    epoch_steps: Option<usize>,
    max_steps: Option<usize>,
}

impl Limits {
    /// `--minutes`; without it and without `epochs` or `--max-steps`, [`DEFAULT_MINUTES`]:
    /// a run always has a limit, and an epoch count only ends a run when one is given.
    fn of(config: &TrainConfig, opts: &TrainOptions, steps_per_epoch: usize) -> Limits {
        let given = opts.minutes.is_some() || config.epochs.is_some() || opts.max_steps.is_some();
        let minutes = opts.minutes.or((!given).then_some(DEFAULT_MINUTES));
        Limits { budget_s: minutes.map(|m| m * 60.0), epoch_steps: config.epochs.map(|e| e * steps_per_epoch), max_steps: opts.max_steps }
    }

    /// The schedule's end before the speed is known: the epoch limit, else far away (a budget
    /// re-plans it after 20 steps), else the steps `--max-steps` allows.
    fn first_total(&self, step: usize, max_steps: Option<usize>) -> usize {
        match (self.epoch_steps, self.budget_s, max_steps) {
            (Some(e), _, _) => e,
            (None, Some(_), _) => usize::MAX / 4,
            (None, None, Some(m)) => step + m,
            (None, None, None) => step + 1,
        }
    }

    /// The schedule never plans past the epoch limit.
    fn step_limit(&self) -> usize {
        self.epoch_steps.unwrap_or(usize::MAX / 4)
    }

    fn reached(&self, step: usize, total: usize, steps_this_run: usize, elapsed_s: f64) -> Option<Stop> {
        if self.epoch_steps.is_some_and(|e| step >= e) {
            Some(Stop::Epochs)
        } else if self.budget_s.is_some_and(|b| elapsed_s >= b || step >= total) {
            Some(Stop::TimeBudget)
        } else if self.max_steps.is_some_and(|m| steps_this_run >= m) {
            Some(Stop::MaxSteps)
        } else if step >= total {
            // Without a budget the schedule ends at the epoch limit or the step limit.
            Some(if self.epoch_steps.is_some() { Stop::Epochs } else { Stop::MaxSteps })
        } else {
            None
        }
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(b) = self.budget_s {
            parts.push(format!("{:.1} min of training", b / 60.0));
        }
        if let Some(e) = self.epoch_steps {
            parts.push(format!("{e} steps (the epoch limit)"));
        }
        if let Some(m) = self.max_steps {
            parts.push(format!("{m} steps of this invocation (--max-steps)"));
        }
        format!("{} (the first reached ends the run)", parts.join(", "))
    }
}

/// The time budget of a run given neither `--minutes`, an epoch limit nor `--max-steps`.
pub const DEFAULT_MINUTES: f64 = 30.0;

/// The step the schedule ends at: `step` plus the steps `left_s` seconds take at `rate` steps
/// per second, less a safety `margin` (a share), at least one more step and never past `limit`
/// (the epoch limit: at it, training ends).
fn planned_total(step: usize, left_s: f64, rate: f64, margin: f64, limit: usize) -> usize {
    let est = step + (left_s * rate * margin).max(0.0) as usize;
    est.max(step + 1).min(limit)
}

/// Freeze every variable of `model` whose name does not start with one of `train_only`
/// (none when it is empty).
fn freeze_except(model: &Model, train_only: &[String]) -> Result<()> {
    if train_only.is_empty() {
        return Ok(());
    }
    let vars = model.var_store().variables();
    let trained = |n: &str| train_only.iter().any(|p| n.starts_with(p.as_str()));
    if !vars.keys().any(|n| trained(n)) {
        let mut names: Vec<_> = vars.keys().map(|n| n.split('.').next().unwrap_or(n)).collect();
        names.sort();
        names.dedup();
        return Err(Error::Param(format!(
            "train_only = {train_only:?} matches none of the model's variables (they start with {})",
            names.join(", ")
        )));
    }
    for (name, t) in vars {
        let _ = t.set_requires_grad(trained(&name));
    }
    Ok(())
}


#[cfg(test)]
mod tests {
    use super::*;

    fn opts(minutes: Option<f64>, max_steps: Option<usize>) -> TrainOptions {
        TrainOptions { run: "r".into(), device: Device::Cpu, resume: false, minutes, max_steps, quiet: true, trace: None, init: None }
    }

    #[test]
    fn a_run_always_has_a_limit_and_epochs_only_when_given() {
        let none = TrainConfig::default();
        let l = Limits::of(&none, &opts(None, None), 10);
        assert_eq!((l.budget_s, l.epoch_steps), (Some(DEFAULT_MINUTES * 60.0), None));
        let epochs = TrainConfig { epochs: Some(3), ..TrainConfig::default() };
        let l = Limits::of(&epochs, &opts(None, None), 10);
        assert_eq!((l.budget_s, l.epoch_steps), (None, Some(30)));
        let l = Limits::of(&epochs, &opts(Some(5.0), None), 10);
        assert_eq!((l.budget_s, l.epoch_steps), (Some(300.0), Some(30)));
        // The first reached ends it.
        assert_eq!(l.reached(30, 1000, 30, 10.0), Some(Stop::Epochs));
        assert_eq!(l.reached(12, 1000, 12, 300.0), Some(Stop::TimeBudget));
        assert_eq!(l.reached(12, 12, 12, 100.0), Some(Stop::TimeBudget), "the schedule planned within the budget");
        assert_eq!(l.reached(12, 1000, 12, 100.0), None);
        let l = Limits::of(&none, &opts(None, Some(7)), 10);
        assert_eq!(l.budget_s, None);
        assert_eq!(l.reached(7, l.first_total(0, Some(7)), 7, 1.0), Some(Stop::MaxSteps));
    }
}
