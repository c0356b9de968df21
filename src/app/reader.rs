//! Reading a results folder on a worker thread for a window (a campaign's report, an ART
//! run): the frame polls for the answer and never waits for it.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

use bevy_egui::egui;

/// The answer of a read: the value or a message naming the file and the problem.
type Answer<T> = Receiver<Result<T, String>>;

/// One read in flight at most; a new one replaces it (its answer is dropped). The receiver sits
/// in a Mutex only so the resource is `Sync`, as Bevy requires.
pub struct BackgroundRead<T> {
    pending: Option<(PathBuf, Mutex<Answer<T>>)>,
}

impl<T> Default for BackgroundRead<T> {
    fn default() -> Self {
        Self { pending: None }
    }
}

impl<T: Send + 'static> BackgroundRead<T> {
    /// Runs `read(path)` on a new thread.
    pub fn start(
        &mut self,
        path: PathBuf,
        read: impl FnOnce(&Path) -> Result<T, String> + Send + 'static,
    ) {
        let (tx, rx) = channel();
        let source = path.clone();
        std::thread::spawn(move || {
            let _ = tx.send(read(&source));
        });
        self.pending = Some((path, Mutex::new(rx)));
    }

    pub fn is_running(&self) -> bool {
        self.pending.is_some()
    }

    /// The answer, once there is one (an error when the thread died without one).
    pub fn poll(&mut self) -> Option<Result<T, String>> {
        let (_, rx) = self.pending.as_ref()?;
        let received = rx.lock().ok()?.try_recv();
        let answer = match received {
            Ok(answer) => answer,
            Err(TryRecvError::Empty) => return None,
            Err(TryRecvError::Disconnected) => {
                Err("the reading thread stopped without an answer".into())
            }
        };
        self.pending = None;
        Some(answer)
    }

    /// A spinner naming what is being read, and the last error in red.
    pub fn status_ui(&self, ui: &mut egui::Ui, error: Option<&str>) {
        if let Some((path, _)) = &self.pending {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!("reading {} …", path.display()));
            });
        }
        if let Some(e) = error {
            ui.colored_label(
                egui::Color32::from_rgb(255, 120, 100),
                format!("error: {e}"),
            );
        }
    }
}
