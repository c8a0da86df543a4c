package serve

import (
	"context"
	"errors"
	"fmt"
	"image"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/gocnn/gocnn/atomicfile"
	"github.com/gocnn/gocnn/data"
	"github.com/gocnn/gocnn/model"
	"github.com/gocnn/gocnn/nn"
	"github.com/gocnn/gocnn/optim"
	"github.com/gocnn/gocnn/train"
)

// The browser test is steered by two environment variables:
//
//	GOCNN_SERVE_MODEL=m.safetensors  serve this model instead of training one
//	GOCNN_SCREENSHOT=docs/playground.png  also save the screenshot there
//
// The README's picture is made with a LeNet-5 trained for one epoch:
//
//	go run ./cmd/gocnn train -model lenet5 -epochs 1 -out /tmp/lenet5.safetensors
//	GOCNN_SERVE_MODEL=/tmp/lenet5.safetensors GOCNN_SCREENSHOT=$PWD/docs/playground.png \
//		go test ./serve -run Browser -count=1

// findChromium returns the path of a Chromium or Chrome on PATH, or "".
func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// playgroundModel returns the model to serve and whether it has learnt
// MNIST, so that a drawn digit must be recognised: the model named by
// GOCNN_SERVE_MODEL; else, when MNIST is in the data folder, the tiny
// preset trained for one epoch on 5,000 of its images (a few seconds);
// else an untrained one.
func playgroundModel(t *testing.T) (*model.Model, bool) {
	t.Helper()
	env := nn.NewEnv(1, 2)
	t.Cleanup(env.Close)
	if path := os.Getenv("GOCNN_SERVE_MODEL"); path != "" {
		m, err := model.Load(path, env)
		if err != nil {
			t.Fatal(err)
		}
		return m, m.Info["dataset"] == "mnist"
	}
	spec, err := model.Preset("tiny", 10)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(spec, model.Input{Shape: []int{1, 28, 28}, Prep: model.PrepMNIST}, digitClasses, env)
	if err != nil {
		t.Fatal(err)
	}
	status, err := data.Check(data.MNIST(), data.LoadOptions{})
	if err != nil {
		t.Logf("no data folder (%v): serving an untrained model", err)
		return m, false
	}
	for _, s := range status {
		if s.Err != nil {
			if !errors.Is(s.Err, fs.ErrNotExist) {
				t.Logf("%s: %v", s.Path, s.Err)
			}
			t.Logf("MNIST is not in the data folder (gocnn data fetch mnist puts it there): serving an untrained model")
			return m, false
		}
	}
	trainSet, _, err := data.Load("mnist", data.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	first := make([]int, 5000)
	for i := range first {
		first[i] = i
	}
	start := time.Now()
	_, err = train.Fit(context.Background(), m.Net, trainSet.Subset(first), train.Config{
		Epochs: 1, BatchSize: 32, Seed: 1,
		Optimizer: optim.NewSGD(m.Net.Params(), 0.05, 0.9),
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("trained %s on 5,000 MNIST images in %v", spec, time.Since(start).Round(time.Millisecond))
	return m, true
}

// startBrowser starts a headless Chromium for the test and returns its
// context; when the test ends it closes the browser and reports every
// script error the pages raised as a test error.
func startBrowser(t *testing.T, browser string) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox, // the sandbox does not work as root, as in CI containers
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1200, 900),
		// A name that resolves to the server, as an attacker's does once
		// it has been rebound to 127.0.0.1.
		chromedp.Flag("host-resolver-rules", "MAP rebound.test 127.0.0.1"),
	)
	t.Cleanup(cancel)
	ctx, cancel = chromedp.NewContext(ctx, chromedp.WithLogf(t.Logf))
	t.Cleanup(cancel)

	// Collect the script errors of the page: there must be none.
	var pageErrors []string
	consoleCtx, stopConsole := context.WithCancel(ctx)
	messages := chromedp.Console(consoleCtx)
	consoleDone := make(chan bool)
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() {
				pageErrors = append(pageErrors, m.String())
			}
		}
	}()
	t.Cleanup(func() {
		stopConsole()
		<-consoleDone
		for _, e := range pageErrors {
			t.Errorf("script error in the page: %s", e)
		}
	})
	return ctx
}

// rect is an element's box in CSS pixels of the viewport.
type rect struct{ X, Y, W, H float64 }

// TestPlaygroundInBrowser opens the page in headless Chromium, draws a
// digit on the canvas with the mouse, and checks that the page shows the
// model's prediction, the network's input and the feature maps.
func TestPlaygroundInBrowser(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		t.Skip("chromium not found: install Debian's chromium package to run the browser test")
	}
	m, trained := playgroundModel(t)
	// Note the status of every request that comes from another site's
	// page, to check at the end that the server refused them.
	h := New(m, Options{})
	var crossMu sync.Mutex
	var crossSite []string
	addr, _ := startServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host || !strings.HasPrefix(r.Host, "127.0.0.1:") {
			crossMu.Lock()
			crossSite = append(crossSite, fmt.Sprintf("%s %s from %q to %q: %d", r.Method, r.URL.Path, o, r.Host, rec.Code))
			crossMu.Unlock()
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}), ServerOptions{})
	_, port, _ := net.SplitHostPort(addr)

	ctx := startBrowser(t, browser)

	err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+addr+"/"),
		// The bars appear once the page has read /api/model.
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#bars li').length === 10`, chromedp.WithPollingTimeout(10*time.Second)),
	)
	if err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	pad, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => {
		const r = document.getElementById('pad').getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if pad.W < 100 || pad.H < 100 {
		t.Fatalf("the canvas is %gx%g pixels", pad.W, pad.H)
	}

	// Draw a 7 in one stroke: the bar from left to right, then the stem
	// down to the left, in small steps as a hand would.
	stroke := [][2]float64{{0.28, 0.22}, {0.72, 0.22}, {0.46, 0.84}}
	at := func(p [2]float64) (float64, float64) { return pad.X + p[0]*pad.W, pad.Y + p[1]*pad.H }
	leftHeld := func(p *input.DispatchMouseEventParams) { p.Button, p.Buttons = input.MouseButtonLeft, 1 }
	x, y := at(stroke[0])
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, x, y, leftHeld, chromedp.ClickCount(1))}
	for i := 1; i < len(stroke); i++ {
		for k := 1; k <= 12; k++ {
			f := float64(k) / 12
			x, y = at([2]float64{stroke[i-1][0] + f*(stroke[i][0]-stroke[i-1][0]), stroke[i-1][1] + f*(stroke[i][1]-stroke[i-1][1])})
			steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x, y, leftHeld), chromedp.Sleep(8*time.Millisecond))
		}
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x, y, leftHeld, chromedp.ClickCount(1)))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("drawing: %v", err)
	}

	// The stroke is on the canvas: white ink in the middle of the bar.
	ink, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`Array.from(document.getElementById('pad').getContext('2d').getImageData(140, 62, 1, 1).data)`))
	if err != nil {
		t.Fatal(err)
	}
	if len(ink) != 4 || ink[0] < 200 {
		t.Errorf("canvas pixel under the stroke is %v, want white", ink)
	}

	// Once the answer to the finished drawing is in (the results are no
	// longer busy), the page shows a prediction with the top bar
	// highlighted, the network's input and the feature maps.
	predicted, err := chromedp.Run(ctx, chromedp.Poll[string](
		`document.querySelector('.probs').getAttribute('aria-busy') === 'false' &&
		 document.querySelectorAll('#maps img[src^="data:image/png"]').length > 0 &&
		 document.getElementById('prediction').dataset.class`,
		chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
		t.Fatalf("no prediction appeared: %v (status line %q)", err, status)
	}
	type pageState struct {
		Predicted, Top, Status, Input string
		Tops, Maps                    int
	}
	state, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](`(() => ({
		Predicted: document.getElementById('prediction').dataset.class,
		Top: (document.querySelector('#bars li.top .name') || {}).textContent || '',
		Tops: document.querySelectorAll('#bars li.top').length,
		Status: document.getElementById('status').textContent,
		Input: document.getElementById('input').src.slice(0, 22),
		Maps: document.querySelectorAll('#maps .stage').length,
	}))()`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("predicted %q; page: %+v", predicted, state)
	if state.Tops != 1 || state.Top != state.Predicted || !strings.HasPrefix(state.Status, "Looks like "+state.Predicted) {
		t.Errorf("the highlighted bar (%q, %d highlighted) and the status line (%q) disagree with the prediction %q",
			state.Top, state.Tops, state.Status, state.Predicted)
	}
	if state.Input != "data:image/png;base64," {
		t.Errorf("the network's input is not shown (src starts %q)", state.Input)
	}
	if want := len(featureMapStages(m)); state.Maps != want {
		t.Errorf("%d feature map stages shown, want %d", state.Maps, want)
	}
	if trained && state.Predicted != "7" {
		t.Errorf("a model trained on MNIST read the drawn 7 as %q", state.Predicted)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "playground.png")
	if err := atomicfile.WriteFile(path, shot); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("GOCNN_SCREENSHOT"); out != "" {
		if err := atomicfile.WriteFile(out, shot); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot saved to %s", out)
	}

	// Clear wipes the canvas and the results.
	cleared, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		document.getElementById('clear').click();
		return document.getElementById('prediction').dataset.class + '|' + document.querySelectorAll('#maps img').length;
	})()`))
	if err != nil || cleared != "|0" {
		t.Errorf("after Clear: %q, %v; want no prediction and no maps", cleared, err)
	}

	// A finger draws too: a 1, as one vertical touch stroke. The page
	// listens to pointer events, which a touch screen sends with
	// pointerType "touch"; the test records the type to be sure the stroke
	// came as a touch and not as the mouse events a browser may derive
	// from one.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		window.pointerTypesSeen = [];
		document.getElementById('pad').addEventListener('pointerdown', (e) => window.pointerTypesSeen.push(e.pointerType));
		return true;
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	touch := func(typ input.DispatchTouchEventType, x, y float64) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// The protocol wants an empty list, not null, to end a touch.
			p := input.DispatchTouchEventParams{Type: typ, TouchPoints: []*input.TouchPoint{}}
			if typ != input.DispatchTouchEventTypeTouchEnd {
				p.TouchPoints = []*input.TouchPoint{{X: x, Y: y}}
			}
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, p)
			return err
		})
	}
	enableTouch := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetTouchEmulationEnabled, emulation.SetTouchEmulationEnabledParams{Enabled: true, MaxTouchPoints: 1})
		return err
	})
	x, y = at([2]float64{0.5, 0.2})
	steps = []chromedp.Action[chromedp.Void]{enableTouch, touch(input.DispatchTouchEventTypeTouchStart, x, y)}
	for k := 1; k <= 16; k++ {
		x, y = at([2]float64{0.5, 0.2 + 0.65*float64(k)/16})
		steps = append(steps, touch(input.DispatchTouchEventTypeTouchMove, x, y), chromedp.Sleep(8*time.Millisecond))
	}
	steps = append(steps, touch(input.DispatchTouchEventTypeTouchEnd, x, y))
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("drawing with a finger: %v", err)
	}
	byFinger, err := chromedp.Run(ctx, chromedp.Poll[string](
		`document.querySelector('.probs').getAttribute('aria-busy') === 'false' &&
		 document.getElementById('prediction').dataset.class`,
		chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
		t.Fatalf("no prediction appeared after drawing with a finger: %v (status line %q)", err, status)
	}
	types, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.pointerTypesSeen.join(',')`))
	if err != nil || types != "touch" {
		t.Errorf("pointer types seen while drawing with a finger: %q, %v; want one touch", types, err)
	}
	t.Logf("drawn with a finger, predicted %q", byFinger)
	if trained && byFinger != "1" {
		t.Errorf("a model trained on MNIST read the vertical finger stroke as %q, want 1", byFinger)
	}

	// Uploading a blank picture gives a gentle message, not a prediction;
	// uploading a drawing gives a prediction and shows the picture on the
	// canvas.
	dir := t.TempDir()
	blank, seven := filepath.Join(dir, "blank.png"), filepath.Join(dir, "seven.png")
	if err := atomicfile.WriteFile(blank, encodePNG(t, image.NewGray(image.Rect(0, 0, 40, 40)))); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(seven, encodePNG(t, drawnSeven())); err != nil {
		t.Fatal(err)
	}
	upload := func(path, until string) string {
		t.Helper()
		err := chromedp.Do(ctx, chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{path}))
		if err != nil {
			t.Fatalf("uploading %s: %v", filepath.Base(path), err)
		}
		got, err := chromedp.Run(ctx, chromedp.Poll[string](until, chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
			t.Fatalf("uploading %s: %v (status line %q)", filepath.Base(path), err, status)
		}
		return got
	}
	msg := upload(blank, `document.getElementById('status').classList.contains('error') && document.getElementById('status').textContent`)
	if !strings.Contains(msg, "No digit found") {
		t.Errorf("after uploading a blank picture the status line says %q", msg)
	}
	upload(seven, `document.querySelector('.probs').getAttribute('aria-busy') === 'false' && document.getElementById('prediction').dataset.class`)
	corner, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`Array.from(document.getElementById('pad').getContext('2d').getImageData(140, 140, 1, 1).data)`))
	if err != nil || len(corner) != 4 || corner[0] < 200 {
		t.Errorf("the uploaded picture is not on the canvas: centre pixel %v, %v", corner, err)
	}
	crossMu.Lock()
	if len(crossSite) > 0 {
		t.Errorf("the playground's own page made requests taken for cross-site ones: %q", crossSite)
	}
	crossSite = nil
	crossMu.Unlock()

	// Another site's page posts an upload form to the playground, as any
	// page the user opens could, and tries to read its model; then a page
	// at a name rebound to 127.0.0.1 tries to load the playground itself.
	// The server refuses them all.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>another site</title><p>another site"))
	}))
	defer other.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate(other.URL)); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx,
		chromedp.Evaluate[string](`(async () => {
			const form = new FormData();
			form.append('image', new Blob([new Uint8Array(64)], {type: 'image/png'}), 'x.png');
			await fetch('http://`+addr+`/api/predict', {method: 'POST', mode: 'no-cors', body: form});
			try {
				await fetch('http://`+addr+`/api/model');
				return 'read the model';
			} catch (e) {
				return 'blocked';
			}
		})()`, chromedp.EvalAwaitPromise))
	if err != nil || got != "blocked" {
		t.Errorf("another site's page: %q, %v", got, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("http://rebound.test:"+port+"/")); err != nil {
		t.Fatal(err)
	}
	rebound, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil || !strings.Contains(rebound, "DNS rebinding") {
		t.Errorf("the playground at a rebound name: %q, %v", rebound, err)
	}
	crossMu.Lock()
	defer crossMu.Unlock()
	// Chromium may or may not ask the rebound name for its icon as well.
	asked := slices.DeleteFunc(slices.Clone(crossSite), func(r string) bool { return strings.HasPrefix(r, "GET /favicon.ico ") })
	if len(asked) != 3 {
		t.Errorf("the server saw %d cross-site requests besides the icon, want 3: %q", len(asked), crossSite)
	}
	for _, r := range crossSite {
		if !strings.HasSuffix(r, ": 403") {
			t.Errorf("cross-site request not refused: %s", r)
		}
	}
}

// featureMapStages lists the first layer of each stage the page draws.
func featureMapStages(m *model.Model) []string {
	var s []string
	for i := range m.Net.Layers {
		if _, ok := stageEnd(m.Net.Layers, i); ok {
			s = append(s, fmt.Sprint(i))
		}
	}
	return s
}

// TestPlaygroundForPhotos opens the page of a colour model that does not
// read digits, as HAM10000's: it must offer upload instead of drawing
// (a stroke on the canvas draws nothing and asks nothing), word the page
// for pictures, answer an uploaded photo, and line up the bars of class
// names of different lengths.
func TestPlaygroundForPhotos(t *testing.T) {
	browser := findChromium()
	if browser == "" {
		t.Skip("chromium not found: install Debian's chromium package to run the browser test")
	}
	s, err := model.Parse("conv(4,3) relu globalavgpool flatten dense(7)")
	if err != nil {
		t.Fatal(err)
	}
	env := nn.NewEnv(7, 1)
	t.Cleanup(env.Close)
	lesions := []string{"akiec", "bcc", "bkl", "df", "mel", "nv", "vasc"}
	m, err := model.New(s, model.Input{Shape: []int{3, 32, 32}, Prep: model.PrepResize}, lesions, env)
	if err != nil {
		t.Fatal(err)
	}
	addr, _ := startServer(t, New(m, Options{}), ServerOptions{})
	ctx := startBrowser(t, browser)
	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+addr+"/"),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('#bars li').length === 7`, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatalf("opening the page: %v", err)
	}
	type page struct {
		Title, Status, Note string
		TrackLefts          []float64
	}
	read := func() page {
		t.Helper()
		p, err := chromedp.Run(ctx, chromedp.Evaluate[page](`(() => ({
			Title: document.getElementById('draw-title').textContent,
			Status: document.getElementById('status').textContent,
			Note: document.getElementById('input-note').textContent,
			TrackLefts: Array.from(document.querySelectorAll('#bars .track'), (e) => e.getBoundingClientRect().left),
		}))()`))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := read()
	if p.Title != "Upload a picture" || !strings.HasPrefix(p.Status, "Upload a PNG, JPEG or GIF picture") ||
		!strings.Contains(p.Note, "resized to 32×32 pixels") || strings.Contains(p.Status+p.Note, "Draw") {
		t.Errorf("the page of a photo model is worded for drawing: %+v", p)
	}
	if len(p.TrackLefts) != 7 || slices.Min(p.TrackLefts) != slices.Max(p.TrackLefts) {
		t.Errorf("the bars do not line up: their tracks start at %v", p.TrackLefts)
	}

	// A stroke on the canvas leaves it black and sends nothing.
	pad, err := chromedp.Run(ctx, chromedp.Evaluate[rect](`(() => {
		const r = document.getElementById('pad').getBoundingClientRect();
		return {X: r.left, Y: r.top, W: r.width, H: r.height};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	leftHeld := func(p *input.DispatchMouseEventParams) { p.Button, p.Buttons = input.MouseButtonLeft, 1 }
	cx, cy := pad.X+pad.W/2, pad.Y+pad.H/2
	if err := chromedp.Do(ctx,
		chromedp.MouseEvent(chromedp.MousePressed, cx-40, cy, leftHeld, chromedp.ClickCount(1)),
		chromedp.MouseEvent(chromedp.MouseMoved, cx, cy, leftHeld),
		chromedp.MouseEvent(chromedp.MouseMoved, cx+40, cy, leftHeld),
		chromedp.MouseEvent(chromedp.MouseReleased, cx+40, cy, leftHeld, chromedp.ClickCount(1)),
		chromedp.Sleep(300*time.Millisecond),
	); err != nil {
		t.Fatalf("drawing: %v", err)
	}
	after, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(() => {
		const d = document.getElementById('pad').getContext('2d').getImageData(0, 0, 280, 280).data;
		return [Math.max(...d.filter((_, i) => i % 4 === 0)), document.getElementById('prediction').dataset.class ? 1 : 0];
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if after[0] != 0 || after[1] != 0 {
		t.Errorf("a stroke on a photo model's canvas drew (brightest red %d) or asked for a prediction (%d)", after[0], after[1])
	}

	// An uploaded photo is answered with one of the seven classes.
	photo := image.NewRGBA(image.Rect(0, 0, 60, 45))
	for i := range photo.Pix {
		photo.Pix[i] = uint8(40 + i%200)
	}
	file := filepath.Join(t.TempDir(), "lesion.png")
	if err := os.WriteFile(file, encodePNG(t, photo), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.SetUploadFiles("#file", []string{file})); err != nil {
		t.Fatalf("uploading: %v", err)
	}
	got, err := chromedp.Run(ctx,
		chromedp.Poll[string](`document.querySelector('.probs').getAttribute('aria-busy') === 'false' &&
			document.getElementById('prediction').dataset.class`, chromedp.WithPollingTimeout(15*time.Second)))
	if err != nil {
		t.Fatalf("no answer to the upload: %v (page %+v)", err, read())
	}
	if !slices.Contains(lesions, got) {
		t.Errorf("the upload was answered %q, not one of %v", got, lesions)
	}
}
