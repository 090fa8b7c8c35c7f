//! Stream facts of a media file: container, codec, size, rate, duration, audio tracks.
use crate::error::{Error, Result};
use ffmpeg_next as ff;
use ff::media::Type as Media;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Largest width or height foley accepts (FFmpeg's own H.264/HEVC limits are 8K–16K).
pub(crate) const MAX_SIDE: u32 = 16384;

/// What [`probe`] found in a file. Sizes are the coded size; [`VideoInfo::display_size`] is
/// the size after the rotation is applied.
#[derive(Clone, Debug, Serialize)]
pub struct VideoInfo {
    pub path: PathBuf,
    /// Container (FFmpeg demuxer names, e.g. `mov,mp4,m4a,3gp,3g2,mj2`).
    pub container: String,
    /// Index of the video stream used (FFmpeg's "best" video stream).
    pub stream_index: usize,
    /// Video codec (e.g. `h264`).
    pub codec: String,
    pub width: u32,
    pub height: u32,
    /// Clockwise rotation in degrees (0, 90, 180, 270) needed to display the frames upright,
    /// from the stream's display matrix.
    pub rotation: u32,
    /// Average frame rate in frames per second (0 when the container does not say).
    pub fps: f64,
    /// Duration of the video stream in seconds (0 when unknown).
    pub duration: f64,
    /// Number of video frames (packets) in the stream, from the container or counted.
    pub frames: u64,
    pub audio: Vec<AudioTrack>,
}

/// One audio stream of the file.
#[derive(Clone, Debug, Serialize)]
pub struct AudioTrack {
    pub stream_index: usize,
    pub codec: String,
    /// Samples per second.
    pub rate: u32,
    pub channels: u32,
    /// Seconds (0 when unknown).
    pub duration: f64,
}

impl VideoInfo {
    /// Size of the upright picture (width and height swapped for 90° and 270°).
    pub fn display_size(&self) -> (u32, u32) {
        if self.rotation % 180 == 90 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
    /// How many frames sampling at `fps` yields (duration × fps, rounded up).
    pub fn sampled_frames(&self, fps: f64) -> u64 {
        (self.duration * fps - 1e-6).ceil().max(0.0) as u64
    }
}

/// Read the stream facts of a video file (demuxing only; counts packets when the container
/// does not state the frame count or duration).
pub fn probe(path: &Path) -> Result<VideoInfo> {
    let mut input = open_input(path)?;
    let mut info = describe(path, &input)?;
    if info.frames == 0 || info.duration <= 0.0 {
        let (frames, duration) = count_packets(&mut input, info.stream_index);
        if info.frames == 0 {
            info.frames = frames;
        }
        if info.duration <= 0.0 {
            info.duration = duration;
        }
    }
    Ok(info)
}

/// Open a media file with FFmpeg, mapping failures to one-line errors naming the file.
pub(crate) fn open_input(path: &Path) -> Result<ff::format::context::Input> {
    super::init();
    if let Err(e) = std::fs::metadata(path) {
        return Err(Error::io(path, e));
    }
    ff::format::input(path).map_err(|e| match e {
        ff::Error::Eof => Error::bad(path, "file ends before any media data (empty or truncated)"),
        e => Error::bad(path, format!("not a media file FFmpeg can read ({e}); expected a video such as .mp4, .mov or .mkv")),
    })
}

/// Stream facts from the headers of an opened input (no demuxing).
pub(crate) fn describe(path: &Path, input: &ff::format::context::Input) -> Result<VideoInfo> {
    let stream = input.streams().best(Media::Video).ok_or_else(|| {
        let what = if input.streams().best(Media::Audio).is_some() { "an audio-only file" } else { "no video stream" };
        Error::bad(path, format!("{what}: a video is needed"))
    })?;
    let par = stream.parameters();
    // SAFETY: `par` wraps the stream's live AVCodecParameters, read-only here.
    let (width, height) = unsafe { ((*par.as_ptr()).width.max(0) as u32, (*par.as_ptr()).height.max(0) as u32) };
    if width == 0 || height == 0 {
        return Err(Error::bad(path, "video stream has no picture size (corrupt header?)"));
    }
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::bad(path, format!("video is {width}x{height}, larger than foley handles ({MAX_SIDE} pixels a side)")));
    }
    let tb = f64::from(stream.time_base());
    let mut duration = if stream.duration() > 0 { stream.duration() as f64 * tb } else { 0.0 };
    if duration <= 0.0 && input.duration() > 0 {
        duration = input.duration() as f64 / f64::from(ff::ffi::AV_TIME_BASE);
    }
    let rate = stream.avg_frame_rate();
    let fps = if rate.numerator() > 0 && rate.denominator() > 0 { f64::from(rate) } else { 0.0 };
    let audio = input
        .streams()
        .filter(|s| s.parameters().medium() == Media::Audio)
        .map(|s| {
            let p = s.parameters();
            // SAFETY: read-only access to the stream's AVCodecParameters.
            let (rate, channels) = unsafe { ((*p.as_ptr()).sample_rate.max(0) as u32, (*p.as_ptr()).ch_layout.nb_channels.max(0) as u32) };
            let d = if s.duration() > 0 { s.duration() as f64 * f64::from(s.time_base()) } else { 0.0 };
            AudioTrack { stream_index: s.index(), codec: codec_name(p.id()), rate, channels, duration: d }
        })
        .collect();
    Ok(VideoInfo {
        path: path.to_path_buf(),
        container: input.format().name().to_string(),
        stream_index: stream.index(),
        codec: codec_name(par.id()),
        width,
        height,
        rotation: rotation(&stream),
        fps,
        duration,
        frames: stream.frames().max(0) as u64,
        audio,
    })
}

fn codec_name(id: ff::codec::Id) -> String {
    id.name().to_string()
}

/// Clockwise display rotation of a stream in degrees, from its display-matrix side data
/// (the same convention as the `ffmpeg` CLI's autorotate: `-av_display_rotation_get`).
fn rotation(stream: &ff::format::stream::Stream) -> u32 {
    for sd in stream.side_data() {
        if sd.kind() == ff::codec::packet::side_data::Type::DisplayMatrix && sd.data().len() >= 36 {
            let m: Vec<i32> = sd.data()[..36].chunks_exact(4).map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]])).collect();
            // SAFETY: `m` holds the 9 entries the function reads.
            let theta = unsafe { ff::ffi::av_display_rotation_get(m.as_ptr()) };
            if !theta.is_finite() {
                return 0;
            }
            let cw = (-theta / 90.0).round() as i64 * 90;
            return cw.rem_euclid(360) as u32;
        }
    }
    0
}

/// Count the packets of `stream` and the time they span (demux only; stops at the first
/// read error, so a truncated file is counted up to where it breaks).
fn count_packets(input: &mut ff::format::context::Input, stream: usize) -> (u64, f64) {
    let tb = input.stream(stream).map(|s| f64::from(s.time_base())).unwrap_or(0.0);
    let (mut n, mut first, mut end) = (0u64, i64::MAX, i64::MIN);
    for (s, p) in input.packets() {
        if s.index() != stream {
            continue;
        }
        n += 1;
        if let Some(pts) = p.pts() {
            first = first.min(pts);
            end = end.max(pts + p.duration().max(0));
        }
    }
    let span = if end > first { (end - first) as f64 * tb } else { 0.0 };
    (n, span)
}
