package httpapi

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed assets
var assets embed.FS

// routeAssets serves each embedded file at its own path, and index.html
// at "/". Naming the files, rather than a "GET /" catch-all, leaves
// unknown paths to a JSON 404 and wrong methods to a 405 (a catch-all
// would take GET on a POST-only route).
func (s *Server) routeAssets() {
	static, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded tree has assets/: cannot happen
	}
	files := http.FileServerFS(static)
	s.mux.Handle("GET /{$}", files)
	_ = fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			s.mux.Handle("GET /"+path, files)
		}
		return err
	})
	// Browsers and tools ask for /favicon.ico whatever the page links.
	s.mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFileFS(w, r, static, "favicon.svg")
	})
}
