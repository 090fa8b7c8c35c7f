//! Mux: a copy of a video whose video stream is copied packet for packet (no re-encoding)
//! with a new audio track; any audio the input had is dropped (replaced).
use super::probe::open_input;
use crate::audio::Waveform;
use crate::error::{Error, Result};
use crate::util::write_atomic;
use ff::format::Sample;
use ff::media::Type as Media;
use ffmpeg_next as ff;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Audio codec of the new track.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AudioCodec {
    /// AAC-LC (FFmpeg's native encoder), any container.
    #[default]
    Aac,
    /// 16-bit PCM, lossless; `.mov` and `.mkv` only (FFmpeg's mp4 muxer refuses PCM).
    Pcm,
}

/// Options of [`mux_audio_with`].
#[derive(Clone, Debug, PartialEq)]
pub struct MuxOptions {
    pub codec: AudioCodec,
    /// AAC bit rate in bits per second.
    pub aac_bitrate: usize,
}

impl Default for MuxOptions {
    fn default() -> Self {
        MuxOptions { codec: AudioCodec::Aac, aac_bitrate: 128_000 }
    }
}

/// Write `output` (`.mp4`, `.mov` or `.mkv`): the video stream of `input` copied without
/// re-encoding (rotation kept) and `wave` as its only audio track, AAC. The audio starts with
/// the first video frame and is padded with silence or cut to the video's duration. The
/// file appears only when complete.
pub fn mux_audio(input: &Path, wave: &Waveform, output: &Path) -> Result<()> {
    mux_audio_with(input, wave, output, &MuxOptions::default())
}

/// [`mux_audio`] with a choice of audio codec.
pub fn mux_audio_with(input: &Path, wave: &Waveform, output: &Path, opts: &MuxOptions) -> Result<()> {
    let ext = output.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match (ext.as_str(), opts.codec) {
        ("mp4" | "m4v", AudioCodec::Aac) | ("mov" | "mkv", _) => {}
        ("mp4" | "m4v", AudioCodec::Pcm) => {
            return Err(Error::bad(output, "PCM audio cannot go in .mp4 (FFmpeg's mp4 muxer refuses it): use AAC, or write .mov or .mkv"))
        }
        _ => return Err(Error::bad(output, "unsupported output type: the muxed video must end in .mp4, .mov or .mkv")),
    }
    if wave.is_empty() || wave.rate == 0 {
        return Err(Error::Param(format!("no audio to mux into {} (empty waveform)", output.display())));
    }
    if let (Ok(a), Ok(b)) = (input.canonicalize(), output.canonicalize()) {
        if a == b {
            return Err(Error::bad(output, "output would overwrite the input video: choose another name"));
        }
    }
    let span = video_span(input)?;
    write_atomic(output, |tmp| write_muxed(input, wave, tmp, output, span, opts))
}

/// First presentation time and end (s) of the best video stream, from its packets.
fn video_span(input: &Path) -> Result<(f64, f64)> {
    let mut ictx = open_input(input)?;
    let (index, tb) = best_video(input, &ictx)?;
    let (mut first, mut end) = (i64::MAX, i64::MIN);
    read_packets(&mut ictx, input, |p| {
        if p.stream() == index {
            if let Some(pts) = p.pts() {
                first = first.min(pts);
                end = end.max(pts + p.duration().max(0));
            }
        }
        Ok(())
    })?;
    if end <= first {
        return Err(Error::bad(input, "video stream has no timed packets (empty video?)"));
    }
    Ok((first as f64 * tb, end as f64 * tb))
}

fn best_video(path: &Path, ictx: &ff::format::context::Input) -> Result<(usize, f64)> {
    let s = ictx.streams().best(Media::Video).ok_or_else(|| Error::bad(path, "no video stream to copy"))?;
    Ok((s.index(), f64::from(s.time_base())))
}

/// Call `f` on every packet of the file; stop with a warning at a read error (truncation).
fn read_packets(
    ictx: &mut ff::format::context::Input,
    path: &Path,
    mut f: impl FnMut(&mut ff::Packet) -> Result<()>,
) -> Result<()> {
    let mut invalid = 0;
    loop {
        let mut p = ff::Packet::empty();
        match p.read(ictx) {
            Ok(()) => f(&mut p)?,
            Err(ff::Error::Eof) => return Ok(()),
            Err(ff::Error::InvalidData) if invalid < 10_000 => invalid += 1,
            Err(e) => {
                super::warn(path, &format!("read error ({e}); using the packets before it"));
                return Ok(());
            }
        }
    }
}

/// Encoder for the new track plus what is needed to feed it.
struct AudioOut {
    enc: ff::encoder::Audio,
    samples: Vec<f32>,
    rate: u32,
    /// Time stamp (in 1/rate) of the first sample.
    start: i64,
    sent: usize,
    frame_size: usize,
    format: Sample,
    stream: usize,
}

impl AudioOut {
    /// Encode samples up to `until` (exclusive) and write the packets.
    fn send_until(&mut self, until: usize, octx: &mut ff::format::context::Output, out: &Path) -> Result<()> {
        let until = until.min(self.samples.len());
        while self.sent < until {
            let n = self.frame_size.min(self.samples.len() - self.sent);
            let mut frame = ff::frame::Audio::new(self.format, n, ff::ChannelLayout::MONO);
            frame.set_rate(self.rate);
            let chunk = &self.samples[self.sent..self.sent + n];
            match self.format {
                Sample::I16(_) => {
                    for (d, s) in frame.plane_mut::<i16>(0).iter_mut().zip(chunk) {
                        *d = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
                    }
                }
                _ => frame.plane_mut::<f32>(0)[..n].copy_from_slice(chunk),
            }
            frame.set_pts(Some(self.start + self.sent as i64));
            self.enc.send_frame(&frame).map_err(|e| Error::bad(out, format!("audio encoder: {e}")))?;
            self.sent += n;
            self.drain(octx, out)?;
        }
        Ok(())
    }

    fn drain(&mut self, octx: &mut ff::format::context::Output, out: &Path) -> Result<()> {
        let tb = octx.stream(self.stream).map(|s| s.time_base()).ok_or_else(|| Error::bad(out, "audio stream missing"))?;
        let mut p = ff::Packet::empty();
        while self.enc.receive_packet(&mut p).is_ok() {
            p.set_stream(self.stream);
            p.rescale_ts((1, self.rate as i32), tb);
            p.write_interleaved(octx).map_err(|e| Error::bad(out, format!("writing audio: {e}")))?;
        }
        Ok(())
    }

    fn finish(&mut self, octx: &mut ff::format::context::Output, out: &Path) -> Result<()> {
        self.send_until(usize::MAX, octx, out)?;
        self.enc.send_eof().map_err(|e| Error::bad(out, format!("audio encoder: {e}")))?;
        self.drain(octx, out)
    }
}

fn write_muxed(input: &Path, wave: &Waveform, tmp: &Path, out: &Path, span: (f64, f64), opts: &MuxOptions) -> Result<()> {
    let werr = |what: &str, e: ff::Error| Error::bad(out, format!("{what}: {e}"));
    let mut ictx = open_input(input)?;
    let (v_in, _) = best_video(input, &ictx)?;
    let mut octx = ff::format::output(tmp).map_err(|e| werr("cannot create output", e))?;
    let v_tb_in = copy_video_stream(&ictx, v_in, &mut octx).map_err(|e| werr("cannot add the video stream", e))?;

    // The new audio track.
    let (id, format) = match opts.codec {
        AudioCodec::Aac => (ff::codec::Id::AAC, Sample::F32(ff::format::sample::Type::Planar)),
        AudioCodec::Pcm => (ff::codec::Id::PCM_S16LE, Sample::I16(ff::format::sample::Type::Packed)),
    };
    let codec = ff::encoder::find(id)
        .ok_or_else(|| Error::bad(out, format!("this FFmpeg has no {id:?} encoder")))?
        .audio()
        .map_err(|e| werr("audio encoder", e))?;
    let rate = match opts.codec {
        AudioCodec::Pcm => wave.rate,
        AudioCodec::Aac => {
            // The smallest AAC rate that keeps the whole band of the input.
            let mut rates: Vec<u32> = codec.rates().map(|r| r.map(|x| x as u32).collect()).unwrap_or_default();
            rates.sort_unstable();
            rates.iter().copied().find(|&r| r >= wave.rate).or(rates.last().copied()).unwrap_or(48_000)
        }
    };
    let global = octx.format().flags().contains(ff::format::flag::Flags::GLOBAL_HEADER);
    let a_index = {
        let mut ost = octx.add_stream(codec).map_err(|e| werr("cannot add the audio stream", e))?;
        let mut enc = ff::codec::context::Context::new_with_codec(*codec).encoder().audio().map_err(|e| werr("audio encoder", e))?;
        enc.set_rate(rate as i32);
        enc.set_channel_layout(ff::ChannelLayout::MONO);
        enc.set_channels(1);
        enc.set_format(format);
        enc.set_bit_rate(opts.aac_bitrate);
        enc.set_time_base((1, rate as i32));
        if global {
            enc.set_flags(ff::codec::flag::Flags::GLOBAL_HEADER);
        }
        let enc = enc.open_as(codec).map_err(|e| werr("cannot open the audio encoder", e))?;
        ost.set_parameters(&enc);
        ost.set_time_base((1, rate as i32));
        let index = ost.index();
        (enc, index)
    };
    let (enc, a_stream) = a_index;
    let mut samples = if wave.rate == rate { wave.samples.clone() } else { crate::audio::resample(wave, rate).samples };
    // Align durations: exactly the video's span, padded with silence or cut.
    let (start, end) = span;
    samples.resize(((end - start) * rate as f64).round() as usize, 0.0);
    let frame_size = match enc.frame_size() as usize {
        0 => 1024,
        n => n,
    };
    let mut audio = AudioOut { enc, samples, rate, start: (start * rate as f64).round() as i64, sent: 0, frame_size, format, stream: a_stream };

    octx.write_header().map_err(|e| werr("cannot write the header", e))?;
    let v_tb_out = octx.stream(0).map(|s| s.time_base()).ok_or_else(|| Error::bad(out, "video stream missing"))?;
    let tb = f64::from(v_tb_in);
    read_packets(&mut ictx, input, |p| {
        if p.stream() != v_in {
            return Ok(());
        }
        // Keep about half a second of audio ahead of the video so the muxer interleaves
        // without buffering the whole file.
        if let Some(t) = p.dts().or(p.pts()) {
            let ahead = ((t as f64 * tb - start + 0.5) * rate as f64).max(0.0) as usize;
            audio.send_until(ahead, &mut octx, out)?;
        }
        p.rescale_ts(v_tb_in, v_tb_out);
        p.set_position(-1);
        p.set_stream(0);
        p.write_interleaved(&mut octx).map_err(|e| werr("writing video", e))
    })?;
    audio.finish(&mut octx, out)?;
    octx.write_trailer().map_err(|e| werr("cannot finish the file", e))
}

/// Add an output stream that copies input stream `index` (parameters, time base, rotation,
/// language); returns the input time base.
fn copy_video_stream(
    ictx: &ff::format::context::Input,
    index: usize,
    octx: &mut ff::format::context::Output,
) -> std::result::Result<ff::Rational, ff::Error> {
    let ist = ictx.stream(index).ok_or(ff::Error::StreamNotFound)?;
    // SAFETY: reading the muxer's static tag table and the new stream's parameters.
    let ofmt_tags = unsafe { (*octx.as_ptr()).oformat.as_ref().map(|f| f.codec_tag) };
    let mut ost = octx.add_stream(ff::encoder::find(ff::codec::Id::None))?;
    ost.set_parameters(ist.parameters());
    ost.set_time_base(ist.time_base());
    ost.set_metadata(ist.metadata().to_owned());
    unsafe {
        let par = (*ost.as_mut_ptr()).codecpar;
        // Keep the codec tag only where the output container knows it for this codec (as the
        // ffmpeg CLI does for stream copy), else let the muxer choose.
        let keep = match ofmt_tags {
            Some(tags) if !tags.is_null() => ff::ffi::av_codec_get_id(tags, (*par).codec_tag) == (*par).codec_id,
            _ => true,
        };
        if !keep {
            (*par).codec_tag = 0;
        }
        for sd in ist.side_data() {
            let data = sd.data();
            let dst = ff::ffi::av_stream_new_side_data(ost.as_mut_ptr(), sd.kind().into(), data.len() as _);
            if !dst.is_null() {
                std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len());
            }
        }
    }
    Ok(ist.time_base())
}
