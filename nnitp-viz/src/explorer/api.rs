//! The explorer's JSON API: routes, request bodies, and the one-computation-at-
//! a-time rule.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::Instant;

use ndarray::Array4;
use nnitp_core::features::Features;
use nnitp_core::progress::{Observer, Progress, Task};
use nnitp_core::{Explainer, ExplainerConfig, LayerPredicate, ParamOverrides, Split};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::row_table::row_svg;
use crate::series_plot::series_svg;
use crate::view::Samples;

use super::http::Method;
use super::messages::Messages;
use super::route::Route;
use super::session::{image_png, ApiError, ApiResult, Picture, Session, View};
use super::status::Status;
use super::{DynSource, Opened, SharedCatalog};

/// The longest request path echoed in a message.
const MAX_ECHO: usize = 100;

/// What a handler answers.
pub(crate) enum Reply {
    Json(Status, Value),
    Bytes(&'static str, Vec<u8>),
    /// 405, with the method the path allows.
    NotAllowed(Method),
}

/// `path` cut to [`MAX_ECHO`] characters for a message.
fn echo(path: &str) -> String {
    match path.char_indices().nth(MAX_ECHO) {
        Some((i, _)) => format!("{}...", &path[..i]),
        None => path.to_string(),
    }
}

impl From<ApiError> for Reply {
    fn from(e: ApiError) -> Self {
        Reply::Json(e.status, json!({ "error": e.message }))
    }
}

/// The server's state, shared by its threads: the session, held for the
/// whole of a computation (one at a time), and the board, what the page
/// reads meanwhile, held only for a moment.
pub(crate) struct State {
    pub catalog: SharedCatalog,
    session: Mutex<Option<Session>>,
    board: Arc<Mutex<Board>>,
    /// The memory budget of a loaded model's activations.
    memory_budget: Option<usize>,
    /// Explainers loaded so far: each one's number tells its progress reports
    /// from those of an earlier model still extracting.
    loads: AtomicU64,
}

/// What the page reads while a computation may hold the session.
#[derive(Default)]
struct Board {
    /// The computation running, if any: the server is busy while it is set.
    task: Option<String>,
    messages: Messages,
    pictures: Pictures,
    extraction: Extraction,
}

/// The background extraction of a loaded model's layers, as the page shows it.
#[derive(Clone, Debug, Default, Serialize)]
struct Extraction {
    /// Whether it is still running.
    running: bool,
    /// What it is doing, e.g. `extracting training activations`.
    task: String,
    /// Images done of `total` in this task.
    done: usize,
    total: usize,
    /// Images per second in this task.
    rate: f64,
    /// The task, as the library reported it.
    #[serde(skip)]
    current: Option<Task>,
    /// When this task started.
    #[serde(skip)]
    started: Option<Instant>,
    /// The number of the loaded explainer this is about.
    #[serde(skip)]
    owner: u64,
}

/// Adds a line to the board's messages.
fn say_to(board: &Mutex<Board>, line: impl Into<String>) {
    lock(board).messages.push(&line.into());
}

/// What the page draws from, kept apart from the session so that images and
/// the grid are served even while a computation holds the session.
struct Pictures {
    /// The load these images belong to (image URLs name it).
    load: u64,
    /// The images of the training and the test set.
    images: [Option<Arc<Array4<f32>>>; 2],
    /// What the images are.
    samples: Samples,
    /// The names and units of a table's features.
    features: Option<Features>,
    /// The current view's picture.
    picture: Picture,
}

impl Default for Pictures {
    fn default() -> Self {
        Pictures {
            load: 0,
            images: [None, None],
            samples: Samples::Image,
            features: None,
            picture: Picture::None,
        }
    }
}

/// Clears the board's task when a computation ends, however it ends.
struct Busy<'a>(&'a State);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        lock(&self.0.board).task = None;
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoadRequest {
    model: String,
    #[serde(default)]
    split: Option<Split>,
    alpha: Option<f64>,
    gamma: Option<f64>,
    mu: Option<f64>,
    size: Option<usize>,
    ensemble_size: Option<usize>,
    layers: Option<Vec<usize>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExplainRequest {
    image: usize,
    predicate: Option<LayerPredicate>,
    /// A predicate as text: `p` of the output layer, or `layer N: p`.
    conclusion: Option<String>,
    restrict: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesRequest {
    category: usize,
    layer: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StabilityRequest {
    resamples: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FaithfulnessRequest {
    samples: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExamplesRequest {
    cell: usize,
    #[serde(default)]
    negate: bool,
    percentile: Option<f64>,
    restrict: Option<usize>,
}

impl State {
    pub fn new(catalog: SharedCatalog, memory_budget: Option<usize>) -> Self {
        State {
            catalog,
            session: Mutex::new(None),
            board: Arc::new(Mutex::new(Board::default())),
            memory_budget,
            loads: AtomicU64::new(0),
        }
    }

    /// Adds a line to the messages pane.
    pub fn say(&self, line: impl Into<String>) {
        say_to(&self.board, line);
    }

    /// A progress observer for the explainer numbered `owner` that keeps the
    /// page's view of its extraction (reports of another explainer's are
    /// ignored).
    fn observer(&self, owner: u64) -> Observer {
        let board = Arc::clone(&self.board);
        Observer::new(move |p: &Progress| {
            let mut b = lock(&board);
            let e = &mut b.extraction;
            if e.owner != owner {
                return;
            }
            if e.current != Some(p.task) || e.started.is_none() {
                e.current = Some(p.task);
                e.task = p.task.to_string();
                e.started = Some(Instant::now());
            }
            e.done = p.done;
            e.total = p.total;
            let secs = e.started.map_or(0.0, |t| t.elapsed().as_secs_f64());
            e.rate = if secs > 0.0 {
                p.done as f64 / secs
            } else {
                0.0
            };
        })
    }

    /// Extracts the selected layers and the output layer of both data sets
    /// on a thread of their own, so that explanations do not wait for them
    /// later; the page follows it in `/api/status`.
    fn extract_in_background(&self, ex: Arc<Explainer<DynSource>>, owner: u64) {
        let board = Arc::clone(&self.board);
        lock(&board).extraction = Extraction {
            running: true,
            owner,
            ..Extraction::default()
        };
        std::thread::spawn(move || {
            let mut layers = ex.layers().to_vec();
            layers.push(ex.output_layer());
            let start = Instant::now();
            let done = ex
                .prepare(Split::Train, &layers)
                .and_then(|_| ex.prepare(Split::Test, &layers));
            {
                let mut b = lock(&board);
                let e = &mut b.extraction;
                if e.owner != owner {
                    // another model was loaded meanwhile; this one is gone
                    return;
                }
                e.running = false;
            }
            match done {
                Ok(_) => say_to(
                    &board,
                    format!(
                        "layers {layers:?} ready in {:.1} s",
                        start.elapsed().as_secs_f64()
                    ),
                ),
                Err(e) => say_to(
                    &board,
                    format!("error: extraction failed: {}", e.with_file_names()),
                ),
            }
        });
    }

    /// The session for a computation, or a "busy" error while another runs.
    fn claim(&self, task: &str) -> ApiResult<(MutexGuard<'_, Option<Session>>, Busy<'_>)> {
        let guard = match self.session.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => {
                let running = lock(&self.board).task.clone().unwrap_or_default();
                return Err(ApiError {
                    status: Status::Conflict,
                    message: format!("busy: {running}; try again when it is done"),
                });
            }
        };
        lock(&self.board).task = Some(task.to_string());
        Ok((guard, Busy(self)))
    }

    fn loaded<'a>(guard: &'a mut MutexGuard<'_, Option<Session>>) -> ApiResult<&'a mut Session> {
        guard
            .as_mut()
            .ok_or_else(|| ApiError::bad("no model is loaded: choose one in the Model tab"))
    }

    /// Answers one API request.
    pub fn handle(&self, method: Method, path: &str, query: &str, body: &[u8]) -> Reply {
        match self.route(method, path, query, body) {
            Ok(r) => r,
            Err(e) => {
                if e.status != Status::Conflict {
                    self.say(format!("error: {}", e.message));
                }
                e.into()
            }
        }
    }

    fn route(&self, method: Method, path: &str, query: &str, body: &[u8]) -> ApiResult<Reply> {
        let Some(route) = Route::parse(path) else {
            let what = if path.starts_with("/api/") {
                "no such API endpoint"
            } else {
                "not found"
            };
            return Err(ApiError::not_found(format!("{what}: {}", echo(path))));
        };
        if method != route.method() {
            return Ok(Reply::NotAllowed(route.method()));
        }
        match route {
            Route::Models => Ok(Reply::Json(Status::Ok, json!(self.catalog.models()))),
            Route::Status => {
                let since = query_number(query, "since")?.unwrap_or(0);
                Ok(Reply::Json(Status::Ok, self.status(since)))
            }
            Route::Load => self.load(parse(body)?),
            Route::Images => {
                let category = query_number(query, "category")?.unwrap_or(0);
                let (mut g, _busy) = self.claim("listing images")?;
                let s = Self::loaded(&mut g)?;
                let images = s.list(category)?;
                Ok(Reply::Json(
                    Status::Ok,
                    json!({ "category": category, "split": s.split, "images": images }),
                ))
            }
            Route::Grid => match &lock(&self.board).pictures.picture {
                Picture::Png(png) => Ok(Reply::Bytes("image/png", png.clone())),
                _ => Err(ApiError::not_found("no grid is shown")),
            },
            Route::Figure => match &lock(&self.board).pictures.picture {
                Picture::Svg(svg) => Ok(Reply::Bytes("image/svg+xml", svg.clone().into_bytes())),
                _ => Err(ApiError::not_found("no plot is shown")),
            },
            Route::Image => self.image(path, query),
            Route::Explain => {
                let r: ExplainRequest = parse(body)?;
                let (mut g, _busy) = self.claim(&format!("explaining sample {}", r.image))?;
                let s = Self::loaded(&mut g)?;
                let predicate = match (r.predicate, &r.conclusion) {
                    (Some(_), Some(_)) => {
                        return Err(ApiError::bad("give a predicate or a conclusion, not both"))
                    }
                    (p, None) => p,
                    (None, Some(text)) => Some(
                        LayerPredicate::parse_at(text, s.explainer.output_layer())
                            .map_err(|e| ApiError::bad(format!("conclusion {text:?}: {e}")))?,
                    ),
                };
                let what = predicate
                    .as_ref()
                    .map_or("its classification".to_string(), ToString::to_string);
                let noun = s.samples.noun();
                self.say(format!("explaining {what} for {noun} {}...", r.image));
                let start = Instant::now();
                let v = s.explain(r.image, predicate, r.restrict)?;
                self.say(format!(
                    "{}\n({:.2} s)",
                    v.text,
                    start.elapsed().as_secs_f64()
                ));
                Ok(self.show(v))
            }
            Route::Examples => {
                let r: ExamplesRequest = parse(body)?;
                let (mut g, _busy) = self.claim("finding examples")?;
                let s = Self::loaded(&mut g)?;
                let plural = s.samples.plural();
                let v = s.examples(r.cell, r.negate, r.percentile, r.restrict)?;
                self.say(format!(
                    "{}: {} {plural}",
                    v.title,
                    v.cells.iter().filter(|c| c.cell.row == 0).count() - 1,
                ));
                Ok(self.show(v))
            }
            Route::Rules => {
                let r: RulesRequest = parse(body)?;
                let (mut g, _busy) =
                    self.claim(&format!("finding the rules of class {}", r.category))?;
                let s = Self::loaded(&mut g)?;
                let v = s.rules(r.category, r.layer)?;
                self.say(format!("{} ({:.2} s)", v.summary, v.seconds));
                Ok(Reply::Json(Status::Ok, json!(v)))
            }
            Route::Stability => {
                let r: StabilityRequest = parse(body)?;
                let resamples = r.resamples.unwrap_or(20);
                let (mut g, _busy) =
                    self.claim(&format!("resampling the explanation {resamples} times"))?;
                let s = Self::loaded(&mut g)?;
                let st = s.stability(resamples)?;
                self.say(st.to_string());
                Ok(Reply::Json(Status::Ok, json!(st)))
            }
            Route::Faithfulness => {
                let r: FaithfulnessRequest = parse(body)?;
                let samples = r.samples.unwrap_or(100);
                let (mut g, _busy) = self.claim(&format!(
                    "intervening on the explanation's units ({samples} images each)"
                ))?;
                let s = Self::loaded(&mut g)?;
                let f = s.faithfulness(samples)?;
                let text = f.to_string();
                self.say(text.lines().next().unwrap_or_default().to_string());
                Ok(Reply::Json(
                    Status::Ok,
                    json!({ "figures": f, "text": text }),
                ))
            }
            Route::Back => {
                let (mut g, _busy) = self.claim("going back")?;
                let s = Self::loaded(&mut g)?;
                let v = s.back()?;
                Ok(self.show(v))
            }
        }
    }

    /// `/api/image/<load>/<split>/<index>.png`: image `index` of a data set
    /// of the model loaded as number `load` (so that a URL never shows
    /// another model's or data set's image).
    fn image(&self, path: &str, query: &str) -> ApiResult<Reply> {
        let bad = || ApiError::not_found(format!("no such image: {}", echo(path)));
        let rest = &path["/api/image/".len()..];
        let (rest, svg) = match (rest.strip_suffix(".png"), rest.strip_suffix(".svg")) {
            (Some(r), _) => (r, false),
            (_, Some(r)) => (r, true),
            _ => return Err(bad()),
        };
        let mut parts = rest.split('/');
        let (Some(load), Some(split), Some(index), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let load: u64 = load.parse().map_err(|_| bad())?;
        let split = match split {
            "train" => Split::Train,
            "test" => Split::Test,
            _ => return Err(bad()),
        };
        let index: usize = index.parse().map_err(|_| bad())?;
        let scale = query_number(query, "scale")?.unwrap_or(4).min(16) as u32;
        let board = lock(&self.board);
        let pictures = &board.pictures;
        if pictures.load != load || load == 0 {
            return Err(ApiError::not_found(
                "an image of a model no longer loaded: reload the page",
            ));
        }
        let images = pictures.images[usize::from(split == Split::Test)].clone();
        let (samples, features) = (pictures.samples, pictures.features.clone());
        drop(board);
        let images = images.ok_or_else(|| ApiError::bad("this data set has no images"))?;
        if !svg {
            return Ok(Reply::Bytes(
                "image/png",
                image_png(images.view(), index, scale)?,
            ));
        }
        let n = images.shape()[0];
        if index >= n {
            return Err(ApiError::bad(format!(
                "{} {index} is out of range (0..{n})",
                samples.noun()
            )));
        }
        let svg = match (samples, features) {
            (Samples::Series, _) => {
                let series = images.slice(ndarray::s![index, 0, .., 0]).to_vec();
                series_svg(&[series], &[])
            }
            (Samples::Row, Some(f)) => {
                row_svg(&f, &images.slice(ndarray::s![index, 0, 0, ..]).to_vec())
            }
            _ => return Err(ApiError::not_found("an image is served as .png")),
        };
        Ok(Reply::Bytes("image/svg+xml", svg.into_bytes()))
    }

    /// Makes `v` the grid served and answers with it.
    fn show(&self, v: &View) -> Reply {
        lock(&self.board).pictures.picture = v.picture.clone();
        Reply::Json(Status::Ok, json!(v))
    }

    fn status(&self, since: u64) -> Value {
        let (model, split, memory) = match self.session.try_lock() {
            Ok(g) => g.as_ref().map_or((None, None, None), |s| {
                (
                    Some(s.info.name.clone()),
                    Some(s.split),
                    Some(s.explainer.memory_use()),
                )
            }),
            Err(_) => (None, None, None),
        };
        let board = lock(&self.board);
        let messages = board.messages.since(since);
        json!({
            "busy": board.task.is_some(),
            "task": board.task,
            "model": model,
            "split": split,
            "memory": memory,
            "extraction": board.extraction,
            "messages": messages.messages,
            "cursor": messages.cursor,
        })
    }

    fn load(&self, r: LoadRequest) -> ApiResult<Reply> {
        let info = self
            .catalog
            .models()
            .into_iter()
            .find(|m| m.name == r.model)
            .ok_or_else(|| ApiError::not_found(format!("unknown model {:?}", r.model)))?;
        let params = info.params.overridden(&ParamOverrides {
            alpha: r.alpha,
            gamma: r.gamma,
            mu: r.mu,
            ensemble_size: r.ensemble_size,
            seed: None,
        });
        params.check()?;
        let size = r.size.unwrap_or(info.size);
        if size == 0 {
            return Err(ApiError::bad("size must be at least 1"));
        }
        let layers = r.layers.unwrap_or_else(|| info.default_layers.clone());
        if layers.is_empty() {
            return Err(ApiError::bad(
                "select at least one layer to explain at (Model tab, Selected layers)",
            ));
        }
        if let Some(&l) = layers.iter().find(|&&l| l >= info.layers.len()) {
            return Err(ApiError::bad(format!(
                "layer {l} is out of range ({} has {} layers)",
                info.name,
                info.layers.len()
            )));
        }
        let split = r.split.unwrap_or(Split::Train);
        let (mut g, _busy) = self.claim(&format!("loading {}", info.name))?;
        lock(&self.board).pictures.picture = Picture::None;
        let reuse = matches!(&*g, Some(s) if s.info.name == info.name && s.size == size);
        if reuse {
            let s = g.as_mut().expect("checked");
            let ex = Arc::get_mut(&mut s.explainer).ok_or_else(|| ApiError {
                status: Status::Conflict,
                message:
                    "busy: the model's layers are still being extracted; try again when it is done"
                        .into(),
            })?;
            ex.set_params(params)?;
            ex.set_layers(layers)?;
            s.split = split;
            s.views.clear();
            self.say(format!("{}: parameters updated", info.name));
            self.extract_in_background(Arc::clone(&s.explainer), s.load);
        } else {
            *g = None;
            lock(&self.board).pictures = Pictures::default();
            self.say(format!("loading {}...", info.name));
            let start = Instant::now();
            let config = ExplainerConfig::new(layers)
                .with_params(params)
                .with_size(size)
                .with_memory_budget(self.memory_budget);
            let Opened {
                mut explainer,
                train_labels,
                test_labels,
            } = self
                .catalog
                .open(&info.name, config)
                .map_err(|e| ApiError::bad(e.with_file_names().to_string()))?;
            self.say(format!(
                "loaded {} in {:.2} s",
                info.name,
                start.elapsed().as_secs_f64()
            ));
            let load = self.loads.fetch_add(1, Ordering::SeqCst) + 1;
            explainer.set_observer(self.observer(load));
            let explainer = Arc::new(explainer);
            *g = Some(Session {
                info: info.clone(),
                explainer: Arc::clone(&explainer),
                load,
                train_labels,
                test_labels,
                split,
                samples: Samples::of(&explainer, Split::Train),
                size,
                views: Vec::new(),
                next_id: 0,
            });
            self.extract_in_background(explainer, load);
        }
        let s = g.as_ref().expect("loaded");
        let images = |split| s.explainer.images(split).map(|i| Arc::new(i.to_owned()));
        lock(&self.board).pictures = Pictures {
            load: s.load,
            images: [images(Split::Train), images(Split::Test)],
            samples: s.samples,
            features: s.explainer.features().cloned(),
            picture: Picture::None,
        };
        Ok(Reply::Json(
            Status::Ok,
            json!({
                "model": info,
                "load": s.load,
                "split": s.split,
                "params": s.explainer.params(),
                "layers": s.explainer.layers(),
                "images": s.explainer.len(s.split),
                "samples": s.samples,
            }),
        ))
    }
}

fn parse<'a, T: Deserialize<'a>>(body: &'a [u8]) -> ApiResult<T> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad(format!("malformed request body: {e}")))
}

fn query_number<T: std::str::FromStr>(query: &str, key: &str) -> ApiResult<Option<T>> {
    for pair in query.split('&') {
        if let Some((k, v)) = pair.split_once('=') {
            if k == key {
                return v.parse().map(Some).map_err(|_| {
                    ApiError::bad(format!("{key} must be a non-negative integer, got {v:?}"))
                });
            }
        }
    }
    Ok(None)
}
