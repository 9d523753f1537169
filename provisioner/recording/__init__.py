"""Demo recordings that are safe to publish: video with chapters and covered secrets, masked screenshots, traces of
the parts without secrets, index.html, and a scan of everything written for the run's secrets."""

from .recorder import VideoRecorder, recording_dir
from .scan import check_recording, leaking_files

__all__ = ["VideoRecorder", "check_recording", "leaking_files", "recording_dir"]
