//! H.264 (libx264, yuv420p) mp4 writer for RGB frames, written atomically: frames go to a
//! temporary file beside the target, renamed to it by [`Mp4Writer::finish`]; dropping the
//! writer unfinished (or any error) removes the temporary file.
use crate::error::{Error, Result};
use crate::util::temp_path;
use ffmpeg_next::{codec, encoder, format, frame, software::scaling, Dictionary, Packet, Rational};
use std::path::{Path, PathBuf};

/// Encoder settings. Defaults: CRF 26, preset `veryfast`, one encoder thread (callers run
/// several writers in parallel).
#[derive(Clone, Debug)]
pub struct EncodeOptions {
    /// x264 constant rate factor (0 = lossless … 51); ~23–28 is visually fine.
    pub crf: u8,
    /// x264 preset (`ultrafast` … `veryslow`).
    pub preset: String,
    /// Encoder threads; 0 = x264's choice.
    pub threads: usize,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions { crf: 26, preset: "veryfast".into(), threads: 1 }
    }
}

/// Writes RGB24 frames at a constant frame rate into an H.264 `.mp4`.
pub struct Mp4Writer {
    path: PathBuf,
    tmp: PathBuf,
    octx: Option<format::context::Output>,
    encoder: encoder::Video,
    scaler: scaling::Context,
    rgb: frame::Video,
    yuv: frame::Video,
    width: u32,
    height: u32,
    frames: i64,
    enc_tb: Rational,
    ost_tb: Rational,
}

fn ff(path: &Path, what: &str, e: ffmpeg_next::Error) -> Error {
    Error::bad(path, format!("{what}: {e}"))
}

impl Mp4Writer {
    /// Start writing `path` (`w`×`h` pixels, both even, at `fps` frames per second) with
    /// the default [`EncodeOptions`].
    pub fn create(path: &Path, w: u32, h: u32, fps: u32) -> Result<Mp4Writer> {
        Self::create_with(path, w, h, fps, &EncodeOptions::default())
    }

    pub fn create_with(path: &Path, w: u32, h: u32, fps: u32, opts: &EncodeOptions) -> Result<Mp4Writer> {
        if w < 16 || h < 16 || w % 2 != 0 || h % 2 != 0 || w > 8192 || h > 8192 {
            return Err(Error::Param(format!("video size {w}x{h}: width and height must be even and in 16..=8192")));
        }
        if fps == 0 || fps > 1000 {
            return Err(Error::Param(format!("frame rate {fps}: must be in 1..=1000")));
        }
        if opts.crf > 51 {
            return Err(Error::Param(format!("crf {}: must be in 0..=51", opts.crf)));
        }
        super::init();
        let tmp = temp_path(path).with_extension("mp4");
        let result = Self::open(path, &tmp, w, h, fps, opts);
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }

    fn open(path: &Path, tmp: &Path, w: u32, h: u32, fps: u32, opts: &EncodeOptions) -> Result<Mp4Writer> {
        let mut octx = format::output_as(&tmp, "mp4").map_err(|e| ff(path, "cannot create mp4 output", e))?;
        let global_header = octx.format().flags().contains(format::Flags::GLOBAL_HEADER);
        let codec = encoder::find_by_name("libx264")
            .ok_or_else(|| Error::bad(path, "FFmpeg has no libx264 encoder (install an FFmpeg built with x264)"))?;
        let mut ost = octx.add_stream(codec).map_err(|e| ff(path, "cannot add video stream", e))?;
        let mut enc = codec::context::Context::new_with_codec(codec)
            .encoder()
            .video()
            .map_err(|e| ff(path, "cannot create H.264 encoder", e))?;
        let enc_tb = Rational(1, fps as i32);
        enc.set_width(w);
        enc.set_height(h);
        enc.set_format(format::Pixel::YUV420P);
        enc.set_time_base(enc_tb);
        enc.set_frame_rate(Some(Rational(fps as i32, 1)));
        if global_header {
            enc.set_flags(codec::Flags::GLOBAL_HEADER);
        }
        let mut dict = Dictionary::new();
        dict.set("crf", &opts.crf.to_string());
        dict.set("preset", &opts.preset);
        if opts.threads > 0 {
            dict.set("threads", &opts.threads.to_string());
        }
        let encoder = enc.open_with(dict).map_err(|e| ff(path, "cannot open libx264", e))?;
        ost.set_parameters(&encoder);
        ost.set_time_base(enc_tb);
        ost.set_avg_frame_rate(Rational(fps as i32, 1));
        octx.write_header().map_err(|e| ff(path, "cannot write mp4 header", e))?;
        // The muxer may change the stream time base in write_header.
        let ost_tb = octx.stream(0).map(|s| s.time_base()).unwrap_or(enc_tb);
        let scaler = scaling::Context::get(format::Pixel::RGB24, w, h, format::Pixel::YUV420P, w, h, scaling::Flags::BILINEAR)
            .map_err(|e| ff(path, "cannot create RGB→YUV converter", e))?;
        Ok(Mp4Writer {
            path: path.to_path_buf(),
            tmp: tmp.to_path_buf(),
            octx: Some(octx),
            encoder,
            scaler,
            rgb: frame::Video::new(format::Pixel::RGB24, w, h),
            yuv: frame::Video::new(format::Pixel::YUV420P, w, h),
            width: w,
            height: h,
            frames: 0,
            enc_tb,
            ost_tb,
        })
    }

    /// Number of frames written so far.
    pub fn frames(&self) -> i64 {
        self.frames
    }

    /// Append one frame: `rgb` is `w*h*3` bytes, row-major, no padding.
    pub fn write_frame(&mut self, rgb: &[u8]) -> Result<()> {
        let row = self.width as usize * 3;
        if rgb.len() != row * self.height as usize {
            return Err(Error::Param(format!("frame has {} bytes, expected {}x{}x3 = {}", rgb.len(), self.width, self.height, row * self.height as usize)));
        }
        let stride = self.rgb.stride(0);
        let data = self.rgb.data_mut(0);
        for (y, src) in rgb.chunks_exact(row).enumerate() {
            data[y * stride..y * stride + row].copy_from_slice(src);
        }
        self.scaler.run(&self.rgb, &mut self.yuv).map_err(|e| ff(&self.path, "RGB→YUV conversion failed", e))?;
        self.yuv.set_pts(Some(self.frames));
        self.frames += 1;
        self.encoder.send_frame(&self.yuv).map_err(|e| ff(&self.path, "encoding failed", e))?;
        self.drain()
    }

    fn drain(&mut self) -> Result<()> {
        let Some(octx) = self.octx.as_mut() else { return Ok(()) };
        let mut pkt = Packet::empty();
        while self.encoder.receive_packet(&mut pkt).is_ok() {
            pkt.set_stream(0);
            pkt.rescale_ts(self.enc_tb, self.ost_tb);
            pkt.write_interleaved(octx).map_err(|e| ff(&self.path, "cannot write packet", e))?;
        }
        Ok(())
    }

    /// Flush the encoder, write the trailer and move the file to its final name.
    pub fn finish(mut self) -> Result<()> {
        if self.frames == 0 {
            return Err(Error::bad(&self.path, "no frames written"));
        }
        self.encoder.send_eof().map_err(|e| ff(&self.path, "encoder flush failed", e))?;
        self.drain()?;
        let mut octx = self.octx.take().ok_or_else(|| Error::bad(&self.path, "writer already finished"))?;
        octx.write_trailer().map_err(|e| ff(&self.path, "cannot write mp4 trailer", e))?;
        drop(octx);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| Error::io(&self.path, e))
    }
}

impl Drop for Mp4Writer {
    fn drop(&mut self) {
        // Unfinished (error or early drop): never leave the partial file behind.
        if self.octx.take().is_some() || self.tmp.exists() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}
