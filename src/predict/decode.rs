//! Decoding ahead of the model: FFmpeg on its own thread, a few chunks of frames ahead.
use crate::error::Result;
use std::path::{Path, PathBuf};

/// A video being decoded on its own thread into the model's frame size, a few chunks ahead of
/// whoever reads it (the FFmpeg objects stay on that thread). Dropping it stops the thread.
pub struct DecodeAhead {
    pub(super) video: PathBuf,
    pub(super) width: u32,
    pub(super) height: u32,
    pub(super) fps: f64,
    pub(super) chunks: std::sync::mpsc::Receiver<Result<Vec<Vec<u8>>>>,
    /// How many frames the video should give (sent once it is open).
    pub(super) expected: std::sync::mpsc::Receiver<u64>,
}

impl DecodeAhead {
    const FRAMES_PER_CHUNK: usize = 32;

    /// Start decoding `video` at the frame size and rate of `model`.
    pub fn start(video: &Path, model: &crate::model::ModelConfig) -> DecodeAhead {
        let cfg = crate::video::SampleConfig { width: model.width, height: model.height, fps: model.fps, ..Default::default() };
        let (tx, chunks) = std::sync::mpsc::sync_channel::<Result<Vec<Vec<u8>>>>(2);
        let (info_tx, expected) = std::sync::mpsc::channel::<u64>();
        let path = video.to_path_buf();
        std::thread::spawn(move || {
            let frames = match crate::video::open_frames(&path, &cfg) {
                Ok(f) => f,
                Err(e) => return drop(tx.send(Err(e))),
            };
            let _ = info_tx.send(frames.info().sampled_frames(cfg.fps));
            let mut chunk = Vec::with_capacity(Self::FRAMES_PER_CHUNK);
            for f in frames {
                match f {
                    Ok(f) => chunk.push(f.rgb),
                    Err(e) => return drop(tx.send(Err(e))),
                }
                // A failed send means the reader is gone: stop decoding.
                if chunk.len() == Self::FRAMES_PER_CHUNK && tx.send(Ok(std::mem::take(&mut chunk))).is_err() {
                    return;
                }
            }
            if !chunk.is_empty() {
                let _ = tx.send(Ok(chunk));
            }
        });
        DecodeAhead { video: video.to_path_buf(), width: model.width, height: model.height, fps: model.fps, chunks, expected }
    }
}

