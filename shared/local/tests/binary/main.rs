//! The real `norvalt` binary, started as a process: its commands, and a
//! SIGKILL in the middle of a burst. One test binary, so the platform is
//! linked once.

mod cli;
mod crash;
