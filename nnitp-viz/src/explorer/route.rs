//! The API's endpoints, parsed once from a request path.

use super::http::Method;

/// An endpoint of the JSON API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Route {
    /// `GET /api/models`: the catalog's models.
    Models,
    /// `GET /api/status?since=N`: busy, the loaded model, extraction, messages.
    Status,
    /// `POST /api/load`: loads a model.
    Load,
    /// `GET /api/images?category=C`: images of the loaded data set.
    Images,
    /// `GET /api/grid.png`: the grid shown (images).
    Grid,
    /// `GET /api/figure.svg`: the plot shown (series).
    Figure,
    /// `GET /api/image/<load>/<split>/<index>.png`: one image.
    Image,
    /// `POST /api/explain`: explains an image's classification or a predicate.
    Explain,
    /// `POST /api/examples`: examples or counterexamples of a conjunct.
    Examples,
    /// `POST /api/back`: the view before the current one.
    Back,
    /// `POST /api/rules`: a class's rule set.
    Rules,
    /// `POST /api/stability`: the current explanation's stability.
    Stability,
    /// `POST /api/faithfulness`: whether the network uses the current
    /// explanation's units.
    Faithfulness,
}

impl Route {
    /// The endpoint `path` names, if any.
    pub fn parse(path: &str) -> Option<Route> {
        Some(match path {
            "/api/models" => Route::Models,
            "/api/status" => Route::Status,
            "/api/load" => Route::Load,
            "/api/images" => Route::Images,
            "/api/grid.png" => Route::Grid,
            "/api/figure.svg" => Route::Figure,
            "/api/explain" => Route::Explain,
            "/api/examples" => Route::Examples,
            "/api/back" => Route::Back,
            "/api/rules" => Route::Rules,
            "/api/stability" => Route::Stability,
            "/api/faithfulness" => Route::Faithfulness,
            p if p.starts_with("/api/image/") => Route::Image,
            _ => return None,
        })
    }

    /// The one method the endpoint allows.
    pub fn method(self) -> Method {
        match self {
            Route::Models
            | Route::Status
            | Route::Images
            | Route::Grid
            | Route::Figure
            | Route::Image => Method::Get,
            Route::Load
            | Route::Explain
            | Route::Examples
            | Route::Back
            | Route::Rules
            | Route::Stability
            | Route::Faithfulness => Method::Post,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_their_endpoints() {
        assert_eq!(Route::parse("/api/models"), Some(Route::Models));
        assert_eq!(Route::parse("/api/image/1/train/3.png"), Some(Route::Image));
        assert_eq!(Route::parse("/api/back"), Some(Route::Back));
        assert_eq!(Route::parse("/api/figure.svg"), Some(Route::Figure));
        for none in ["/api/", "/api/models/", "/api/Back", "/", "/api/imag"] {
            assert_eq!(Route::parse(none), None, "{none}");
        }
        assert_eq!(Route::Back.method(), Method::Post);
        assert_eq!(Route::Grid.method(), Method::Get);
    }
}
