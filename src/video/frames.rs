//! Streaming frame source: decode, sample at a fixed rate by timestamp, rotate, scale.
use super::frame::{Fit, Frame, SampleConfig};
use super::probe::{describe, open_input, VideoInfo};
use crate::error::{Error, Result};
use ff::format::Pixel;
use ff::software::scaling::{context::Context as Scaler, flag::Flags};
use ff::util::frame::video::Video;
use ffmpeg_next as ff;
use std::path::{Path, PathBuf};

/// Timestamps compare with this slack (seconds): far below any real frame spacing, above the
/// rounding of `ticks × time_base` in f64.
const EPS: f64 = 1e-6;
/// A jump in timestamps larger than this (seconds) is treated as corruption, not a pause.
const MAX_GAP: f64 = 3600.0;

/// A decoded source frame with its presentation time (seconds from the first frame).
struct Decoded {
    frame: Video,
    t: f64,
    /// Duration from the packet, when the container stores one.
    dur: Option<f64>,
    /// The scaled RGB image, made the first time the frame is shown.
    rgb: Option<Vec<u8>>,
}

/// Streaming sampler over a video file; see [`open_frames`]. Memory: the decoder's own
/// frames, plus two decoded frames and one output-size image.
pub struct FrameSource {
    path: PathBuf,
    info: VideoInfo,
    cfg: SampleConfig,
    input: ff::format::context::Input,
    decoder: ff::decoder::Video,
    stream: usize,
    /// Seconds per timestamp tick.
    tb: f64,
    /// Nominal frame duration (s) from the stream's declared rate.
    nominal: f64,
    /// Interval between the last two decoded frames (s), the duration assumed for a last
    /// frame that carries none.
    last_gap: Option<f64>,
    origin: Option<i64>,
    /// Added to times after a timestamp discontinuity.
    shift: f64,
    last_ts: Option<i64>,
    held: Option<Decoded>,
    pending: Option<Decoded>,
    index: usize,
    eof_sent: bool,
    decoder_done: bool,
    done: bool,
    scaler: Option<(Scaler, (Pixel, u32, u32))>,
    scaled: Video,
    decoded: usize,
    corrupt: usize,
    warnings: Vec<String>,
}

/// Open `path` and sample its video at `cfg.fps` by timestamp: frame `i` is the source frame
/// shown at `i / cfg.fps` seconds after the first frame (the last one whose presentation
/// time is `<=` that), so 25, 29.97, 60 fps and variable-rate sources all land on the right
/// pictures without drift. Frames are turned upright per the rotation metadata and scaled
/// to `cfg.width × cfg.height` per `cfg.fit`. The sequence ends at the end of the last
/// source frame. Errors name the file; damage after the start (truncation, corrupt packets)
/// gives a one-line warning on stderr and the frames that decode.
pub fn open_frames(path: &Path, cfg: &SampleConfig) -> Result<FrameSource> {
    cfg.validate()?;
    let input = open_input(path)?;
    let info = describe(path, &input)?;
    let stream = input.stream(info.stream_index).ok_or_else(|| Error::bad(path, "video stream vanished"))?;
    let tb = f64::from(stream.time_base());
    let mut ctx = ff::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| Error::bad(path, format!("cannot read the video codec parameters: {e}")))?;
    // Frame threads, as many as cores (what the ffmpeg CLI does).
    ctx.set_threading(ff::codec::threading::Config { kind: ff::codec::threading::Type::Frame, ..Default::default() });
    let decoder = ctx
        .decoder()
        .video()
        .map_err(|e| Error::bad(path, format!("no decoder for video codec {} ({e})", info.codec)))?;
    let declared = [stream.avg_frame_rate(), stream.rate()]
        .into_iter()
        .find(|r| r.numerator() > 0 && r.denominator() > 0)
        .map(f64::from);
    let nominal = match declared {
        Some(r) if r.is_finite() && r > 0.0 => 1.0 / r,
        _ => 1.0 / cfg.fps,
    };
    if !(tb > 0.0 && tb.is_finite()) {
        return Err(Error::bad(path, "video stream has no valid time base"));
    }
    Ok(FrameSource {
        path: path.to_path_buf(),
        info,
        cfg: cfg.clone(),
        stream: stream.index(),
        input,
        decoder,
        tb,
        nominal,
        last_gap: None,
        origin: None,
        shift: 0.0,
        last_ts: None,
        held: None,
        pending: None,
        index: 0,
        eof_sent: false,
        decoder_done: false,
        done: false,
        scaler: None,
        scaled: Video::empty(),
        decoded: 0,
        corrupt: 0,
        warnings: Vec::new(),
    })
}

impl FrameSource {
    /// Stream facts from the file's headers (`frames` is 0 when the container does not say;
    /// [`super::probe`] counts them).
    pub fn info(&self) -> &VideoInfo {
        &self.info
    }
    /// The configuration frames are sampled with.
    pub fn config(&self) -> &SampleConfig {
        &self.cfg
    }
    /// Warnings issued so far (each was also printed on stderr).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
    /// Source frames decoded so far.
    pub fn decoded_frames(&self) -> usize {
        self.decoded
    }

    fn warn(&mut self, msg: String) {
        super::warn(&self.path, &msg);
        self.warnings.push(msg);
    }

    /// Next decoded source frame, or None at the end of the stream.
    fn next_decoded(&mut self) -> Option<Video> {
        let mut errors = 0;
        loop {
            let mut f = Video::empty();
            match self.decoder.receive_frame(&mut f) {
                Ok(()) => return Some(f),
                Err(ff::Error::Eof) => return None,
                Err(ff::Error::Other { errno }) if errno == ff::util::error::EAGAIN => {
                    if self.eof_sent {
                        return None;
                    }
                    self.feed();
                }
                Err(_) => {
                    self.corrupt += 1;
                    errors += 1;
                    if errors > 1000 {
                        return None;
                    }
                }
            }
        }
    }

    /// Send the decoder the next packet of our stream, or end-of-stream.
    fn feed(&mut self) {
        let mut invalid = 0;
        loop {
            let mut packet = ff::Packet::empty();
            match packet.read(&mut self.input) {
                Ok(()) if packet.stream() != self.stream => {}
                Ok(()) => {
                    // Demuxers flag packets cut short (e.g. the last one of a truncated file).
                    if packet.is_corrupt() {
                        self.corrupt += 1;
                    }
                    match self.decoder.send_packet(&packet) {
                        Ok(()) => return,
                        Err(_) => self.corrupt += 1,
                    }
                }
                Err(ff::Error::Eof) => break,
                // The demuxer resyncs past invalid data; bounded so a file of garbage ends.
                Err(ff::Error::InvalidData) if invalid < 10_000 => {
                    invalid += 1;
                    self.corrupt += 1;
                }
                Err(e) => {
                    self.warn(format!("read error after {} frames ({e}); using the frames before it", self.decoded));
                    break;
                }
            }
        }
        let _ = self.decoder.send_eof();
        self.eof_sent = true;
    }

    /// Give a decoded frame its time in seconds from the first frame.
    fn stamp(&mut self, frame: Video) -> Decoded {
        self.decoded += 1;
        // SAFETY: reading a plain field of a frame we own.
        let pkt_dur = unsafe { (*frame.as_ptr()).pkt_duration };
        let dur = (pkt_dur > 0).then(|| pkt_dur as f64 * self.tb);
        let ts = match (frame.timestamp().or(frame.pts()), self.last_ts) {
            (Some(ts), _) => ts,
            (None, Some(last)) => last + (self.nominal / self.tb).round().max(1.0) as i64,
            (None, None) => 0,
        };
        let origin = *self.origin.get_or_insert(ts);
        let mut t = (ts - origin) as f64 * self.tb + self.shift;
        let prev = self.pending.as_ref().or(self.held.as_ref()).map(|d| (d.t, d.dur));
        if let Some((pt, pd)) = prev {
            if t - pt > MAX_GAP || t < pt - MAX_GAP {
                self.warn(format!("timestamps jump by {:.0} s after {:.2} s; treating it as corruption", t - pt, pt));
                let step = pd.unwrap_or(self.nominal);
                self.shift += pt + step - t;
                t = pt + step;
            } else if t < pt {
                // Out of order: show it no earlier than the frame before.
                t = pt;
            }
            if t > pt {
                self.last_gap = Some(t - pt);
            }
        }
        self.last_ts = Some(ts);
        Decoded { frame, t, dur, rgb: None }
    }

    /// Called once when the decoder has no more frames.
    fn finish_stream(&mut self) {
        if self.corrupt > 0 {
            self.warn(format!("{} corrupt packets or frames skipped", self.corrupt));
        }
        let end = self.held.as_ref().map_or(0.0, |h| self.end_of(h));
        let declared = self.info.duration;
        if self.decoded > 0 && declared > 0.0 && end < declared - (2.0 * self.nominal).max(0.5) {
            self.warn(format!(
                "decoded only {end:.2} s of the {declared:.2} s the file declares (truncated or corrupt?); using what decodes"
            ));
        }
    }

    /// When a frame stops being shown: its own duration, else the last frame interval, else
    /// the declared rate's.
    fn end_of(&self, d: &Decoded) -> f64 {
        d.t + d.dur.or(self.last_gap).unwrap_or(self.nominal)
    }

    /// Scale the held frame to the output size (once) and return its RGB.
    fn held_rgb(&mut self) -> Result<Vec<u8>> {
        let Some(held) = self.held.as_mut() else { return Err(Error::bad(&self.path, "no frame")) };
        if let Some(rgb) = &held.rgb {
            return Ok(rgb.clone());
        }
        let rgb = scale_frame(&mut held.frame, &self.cfg, self.info.rotation, &mut self.scaler, &mut self.scaled)
            .map_err(|e| Error::bad(&self.path, format!("cannot convert frame {}: {e}", self.decoded)))?;
        // The full-size frame is not needed once scaled.
        held.frame = Video::empty();
        held.rgb = Some(rgb.clone());
        Ok(rgb)
    }
}

impl Iterator for FrameSource {
    type Item = Result<Frame>;

    fn next(&mut self) -> Option<Result<Frame>> {
        if self.done {
            return None;
        }
        let target = self.index as f64 / self.cfg.fps;
        loop {
            if self.pending.is_none() && !self.decoder_done {
                match self.next_decoded() {
                    Some(f) => {
                        let d = self.stamp(f);
                        self.pending = Some(d);
                    }
                    None => {
                        self.decoder_done = true;
                        self.finish_stream();
                    }
                }
            }
            match &self.pending {
                Some(p) if self.held.is_none() || p.t <= target + EPS => self.held = self.pending.take(),
                _ => break,
            }
        }
        let Some(held) = &self.held else {
            self.done = true;
            return Some(Err(Error::bad(&self.path, "no video frame could be decoded (empty or corrupt video stream)")));
        };
        if self.pending.is_none() && self.index > 0 && target >= self.end_of(held) - EPS {
            self.done = true;
            return None;
        }
        match self.held_rgb() {
            Ok(rgb) => {
                let frame = Frame { index: self.index, time: target, width: self.cfg.width, height: self.cfg.height, rgb };
                self.index += 1;
                Some(Ok(frame))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Where the source picture lands in the output, in the source's (unrotated) orientation.
#[derive(Debug, PartialEq)]
struct Geometry {
    /// Source pixels cut from left, top, right, bottom.
    crop: [u32; 4],
    /// Size swscale produces.
    inner: (u32, u32),
    /// Canvas (output before rotation) and the inner picture's offset in it.
    canvas: (u32, u32),
    offset: (u32, u32),
}

fn geometry(src: (u32, u32), sar: f64, rotation: u32, cfg: &SampleConfig) -> Geometry {
    let canvas = if rotation % 180 == 90 { (cfg.height, cfg.width) } else { (cfg.width, cfg.height) };
    let (tw, th) = (canvas.0 as f64, canvas.1 as f64);
    let (aw, ah) = (src.0 as f64 * sar, src.1 as f64);
    let full = Geometry { crop: [0; 4], inner: canvas, canvas, offset: (0, 0) };
    match cfg.fit {
        Fit::Stretch => full,
        Fit::Crop => {
            let k = (tw / aw).max(th / ah);
            let cw = ((tw / k / sar).round() as u32).clamp(1, src.0);
            let ch = ((th / k).round() as u32).clamp(1, src.1);
            // Even offsets keep 4:2:0 chroma aligned with luma.
            let left = (src.0 - cw) / 2 & !1;
            let top = (src.1 - ch) / 2 & !1;
            Geometry { crop: [left, top, src.0 - cw - left, src.1 - ch - top], ..full }
        }
        Fit::Pad => {
            let k = (tw / aw).min(th / ah);
            let iw = ((aw * k).round() as u32).clamp(1, canvas.0);
            let ih = ((ah * k).round() as u32).clamp(1, canvas.1);
            Geometry { inner: (iw, ih), offset: ((canvas.0 - iw) / 2, (canvas.1 - ih) / 2), ..full }
        }
    }
}

/// Crop, scale and convert one decoded frame to RGB at the output size, then rotate.
fn scale_frame(
    frame: &mut Video,
    cfg: &SampleConfig,
    rotation: u32,
    scaler: &mut Option<(Scaler, (Pixel, u32, u32))>,
    scaled: &mut Video,
) -> std::result::Result<Vec<u8>, ff::Error> {
    let sar = {
        let r = frame.aspect_ratio();
        if r.numerator() > 0 && r.denominator() > 0 { f64::from(r) } else { 1.0 }
    };
    let g = geometry((frame.width(), frame.height()), sar, rotation, cfg);
    if g.crop != [0; 4] {
        // SAFETY: the crop fields are plain integers of a frame we own; apply_cropping only
        // moves its data pointers within the buffers and shrinks width/height.
        unsafe {
            let p = frame.as_mut_ptr();
            (*p).crop_left = g.crop[0] as usize;
            (*p).crop_top = g.crop[1] as usize;
            (*p).crop_right = g.crop[2] as usize;
            (*p).crop_bottom = g.crop[3] as usize;
            let r = ff::ffi::av_frame_apply_cropping(p, ff::ffi::AV_FRAME_CROP_UNALIGNED as i32);
            if r < 0 {
                return Err(ff::Error::from(r));
            }
        }
    }
    let key = (frame.format(), frame.width(), frame.height());
    if scaler.as_ref().is_none_or(|(_, k)| *k != key) || scaled.width() != g.inner.0 || scaled.height() != g.inner.1 {
        let mut s = Scaler::get(key.0, key.1, key.2, Pixel::RGB24, g.inner.0, g.inner.1, Flags::BILINEAR)?;
        set_colorspace(&mut s, frame);
        *scaler = Some((s, key));
        *scaled = Video::empty();
    }
    let (s, _) = scaler.as_mut().ok_or(ff::Error::Bug)?;
    s.run(frame, scaled)?;
    let (cw, ch) = (g.canvas.0 as usize, g.canvas.1 as usize);
    let mut canvas = vec![0u8; cw * ch * 3];
    let (iw, ih) = (g.inner.0 as usize, g.inner.1 as usize);
    let stride = scaled.stride(0);
    let data = scaled.data(0);
    for y in 0..ih {
        let dst = ((y + g.offset.1 as usize) * cw + g.offset.0 as usize) * 3;
        canvas[dst..dst + iw * 3].copy_from_slice(&data[y * stride..y * stride + iw * 3]);
    }
    Ok(rotate(&canvas, cw, ch, rotation))
}

/// Use the frame's YUV matrix (BT.709 for HD, else BT.601) and range, full-range RGB out.
fn set_colorspace(s: &mut Scaler, frame: &Video) {
    use ff::util::color::{Range, Space};
    let cs = match frame.color_space() {
        Space::BT709 => ff::ffi::SWS_CS_ITU709,
        _ => ff::ffi::SWS_CS_DEFAULT,
    };
    let src_full = i32::from(frame.color_range() == Range::JPEG);
    // SAFETY: `s` is a live SwsContext; the coefficient tables are static in libswscale.
    unsafe {
        let table = ff::ffi::sws_getCoefficients(cs);
        let dst = ff::ffi::sws_getCoefficients(ff::ffi::SWS_CS_DEFAULT);
        ff::ffi::sws_setColorspaceDetails(s.as_mut_ptr(), table, src_full, dst, 1, 0, 1 << 16, 1 << 16);
    }
}

/// Rotate an RGB image clockwise by 0, 90, 180 or 270 degrees.
fn rotate(src: &[u8], w: usize, h: usize, rotation: u32) -> Vec<u8> {
    if rotation == 0 {
        return src.to_vec();
    }
    let mut out = vec![0u8; src.len()];
    for y in 0..h {
        for x in 0..w {
            // (x, y) in the source goes to (ox, oy) in an output of width ow.
            let (ox, oy, ow) = match rotation {
                90 => (h - 1 - y, x, h),
                180 => (w - 1 - x, h - 1 - y, w),
                _ => (y, w - 1 - x, h),
            };
            let (s, d) = (3 * (y * w + x), 3 * (oy * ow + ox));
            out[d..d + 3].copy_from_slice(&src[s..s + 3]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crop_keeps_the_centre_at_the_target_aspect() {
        // 640x360 (16:9) into 64x64: the visible source square is 360x360, centred at x=140.
        let g = geometry((640, 360), 1.0, 0, &SampleConfig::new(64, 64));
        assert_eq!(g.crop, [140, 0, 140, 0]);
        assert_eq!(g.inner, (64, 64));
    }

    #[test]
    fn pad_fits_inside_with_centred_bars() {
        // 640x360 into 64x64 with bars: 64 x 36 (= 64 * 9/16), (64-36)/2 = 14 rows above.
        let cfg = SampleConfig { fit: Fit::Pad, ..SampleConfig::new(64, 64) };
        let g = geometry((640, 360), 1.0, 0, &cfg);
        assert_eq!((g.inner, g.offset), ((64, 36), (0, 14)));
    }

    #[test]
    fn rotation_swaps_the_canvas() {
        // A 90° source is scaled to the output's height × width before turning.
        let g = geometry((360, 640), 1.0, 90, &SampleConfig::new(32, 16));
        assert_eq!(g.canvas, (16, 32));
    }

    #[test]
    fn rotate_moves_corners_clockwise() {
        // 2x1 image [A B]; clockwise 90° gives a 1x2 column with A on top.
        let img = [1, 1, 1, 2, 2, 2];
        assert_eq!(rotate(&img, 2, 1, 90), vec![1, 1, 1, 2, 2, 2]);
        assert_eq!(rotate(&img, 2, 1, 270), vec![2, 2, 2, 1, 1, 1]);
        assert_eq!(rotate(&img, 2, 1, 180), vec![2, 2, 2, 1, 1, 1]);
    }

    #[test]
    fn config_rejects_absurd_values() {
        assert!(SampleConfig { fps: 0.0, ..Default::default() }.validate().is_err());
        assert!(SampleConfig { fps: f64::NAN, ..Default::default() }.validate().is_err());
        assert!(SampleConfig::new(0, 64).validate().is_err());
        assert!(SampleConfig::new(100_000, 64).validate().is_err());
    }
}
