//! Mux: a copy of a video with a new audio track.
