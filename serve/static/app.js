// The playground: draw on the canvas (mouse, pen or touch, through Pointer
// Events) or upload a picture; the page posts it to /api/predict and shows
// the probabilities, the network's input and its feature maps.
'use strict';

(() => {
  const pad = document.getElementById('pad');
  const ctx = pad.getContext('2d');
  const statusLine = document.getElementById('status');
  const bars = document.getElementById('bars');
  const prediction = document.getElementById('prediction');
  const inputImg = document.getElementById('input');
  const mapsToggle = document.getElementById('maps-toggle');
  const mapsSection = document.getElementById('maps-section');
  const mapsBox = document.getElementById('maps');
  const fileInput = document.getElementById('file');

  const THROTTLE_MS = 120; // at most one request per this while drawing
  const STROKE = 20;       // pen width in canvas pixels: MNIST-like strokes

  let classes = [];
  let drawable = true; // the model reads digits, so drawing one makes sense
  let lastFile = null; // the picture uploaded last, for a model that is not drawn for
  let drawn = false;   // the canvas holds something worth sending
  let drawing = false; // a pointer is down on the canvas
  let last = null;     // the previous point of the stroke
  let timer = null;
  let generation = 0;  // bumped by Clear: answers to older requests are dropped

  // ---- the canvas ----

  function clearPad() {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
    drawn = false;
  }

  function point(e) {
    const r = pad.getBoundingClientRect();
    return { x: (e.clientX - r.left) * pad.width / r.width, y: (e.clientY - r.top) * pad.height / r.height };
  }

  function segment(a, b) {
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = STROKE;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }

  pad.addEventListener('pointerdown', (e) => {
    if (!drawable || (e.pointerType === 'mouse' && e.button !== 0)) return;
    e.preventDefault();
    pad.setPointerCapture(e.pointerId);
    drawing = true;
    last = point(e);
    segment(last, last); // a dot
    drawn = true;
    schedule();
  });

  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = point(ev);
      segment(last, p);
      last = p;
    }
    schedule();
  });

  function endStroke() {
    if (!drawing) return;
    drawing = false;
    last = null;
    sendNow();
  }
  pad.addEventListener('pointerup', endStroke);
  pad.addEventListener('pointercancel', endStroke);

  document.getElementById('clear').addEventListener('click', () => {
    clearPad();
    clearTimeout(timer);
    timer = null;
    queued = null;
    generation++;
    updateBusy();
    lastFile = null;
    resetResults();
    setStatus(idleMessage());
  });

  function idleMessage() {
    return drawable
      ? 'Draw in the black square, or upload a PNG, JPEG or GIF picture.'
      : 'Upload a PNG, JPEG or GIF picture: the model says which of its classes it shows.';
  }

  // ---- requests: one in flight at a time, the newest waiting ----

  let inFlight = false;
  let queued = null;

  // The results are busy while an answer is awaited or due (aria-busy;
  // tests wait for it to clear too).
  const results = document.querySelector('.probs');
  function updateBusy() {
    results.setAttribute('aria-busy', String(inFlight || queued !== null || timer !== null));
  }

  function enqueue(job) {
    queued = job;
    if (!inFlight) runQueued();
    updateBusy();
  }

  async function runQueued() {
    const job = queued;
    queued = null;
    if (!job) return;
    inFlight = true;
    try {
      await job();
    } finally {
      inFlight = false;
      if (queued) runQueued();
      updateBusy();
    }
  }

  function schedule() {
    if (timer === null) timer = setTimeout(() => { timer = null; sendCanvas(); updateBusy(); }, THROTTLE_MS);
    updateBusy();
  }

  function sendNow() {
    clearTimeout(timer);
    timer = null;
    sendCanvas();
    updateBusy();
  }

  function sendCanvas() {
    if (!drawable) {
      // The canvas only shows the upload, letterboxed: send the file.
      if (lastFile) sendFile(lastFile);
      return;
    }
    if (!drawn) return;
    enqueue(async () => {
      const blob = await new Promise((resolve) => pad.toBlob(resolve, 'image/png'));
      if (blob) await post(blob, 'image/png');
    });
  }

  function apiURL() {
    return '/api/predict' + (mapsToggle.checked ? '?maps=1' : '');
  }

  async function post(body, contentType) {
    const gen = generation;
    const init = { method: 'POST', body };
    if (contentType) init.headers = { 'Content-Type': contentType };
    let resp, answer;
    try {
      resp = await fetch(apiURL(), init);
      answer = await resp.json();
    } catch (err) {
      if (gen !== generation) return;
      showError(resp ? `The server answered ${resp.status} ${resp.statusText}.` : 'Could not reach the server: is gocnn serve still running?');
      return;
    }
    if (gen !== generation) return; // the page was cleared meanwhile
    if (!resp.ok) {
      showError(answer.error || `The server answered ${resp.status}.`);
      return;
    }
    show(answer);
  }

  // ---- upload ----

  fileInput.addEventListener('change', () => {
    const file = fileInput.files[0];
    if (!file) return;
    setStatus(`Reading ${file.name}…`);
    drawPicture(file);
    lastFile = file;
    sendFile(file);
    fileInput.value = ''; // choosing the same file again fires change again
  });

  function sendFile(file) {
    const form = new FormData();
    form.append('image', file);
    enqueue(() => post(form, null));
  }

  // drawPicture shows an uploaded picture on the canvas, fitted and
  // centred, so that drawing on top of it goes on from there.
  function drawPicture(file) {
    const url = URL.createObjectURL(file);
    const img = new Image();
    img.onload = () => {
      clearPad();
      const s = Math.min(pad.width / img.naturalWidth, pad.height / img.naturalHeight);
      const w = img.naturalWidth * s, h = img.naturalHeight * s;
      ctx.drawImage(img, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
      drawn = true;
      URL.revokeObjectURL(url);
    };
    img.onerror = () => URL.revokeObjectURL(url);
    img.src = url;
  }

  // ---- results ----

  function setStatus(msg, isError) {
    statusLine.textContent = msg;
    statusLine.classList.toggle('error', !!isError);
  }

  function showError(msg) {
    const gentle = drawable && /no digit found/i.test(msg)
      ? 'No digit found yet: draw a little more, a little bigger.'
      : msg.charAt(0).toUpperCase() + msg.slice(1);
    setStatus(gentle, true);
    bars.classList.add('stale');
  }

  function buildBars() {
    bars.replaceChildren();
    classes.forEach((name) => {
      const li = document.createElement('li');
      const label = document.createElement('span');
      label.className = 'name';
      label.textContent = name;
      const track = document.createElement('span');
      track.className = 'track';
      const fill = document.createElement('span');
      fill.className = 'fill';
      track.appendChild(fill);
      const pct = document.createElement('span');
      pct.className = 'pct';
      pct.textContent = '–';
      li.append(label, track, pct);
      bars.appendChild(li);
    });
  }

  function percent(p) {
    if (p > 0.999 && p < 1) return '>99.9%';
    if (p > 0 && p < 0.001) return '<0.1%';
    return (100 * p).toFixed(p === 0 || p === 1 ? 0 : 1) + '%';
  }

  function resetResults() {
    buildBars();
    bars.classList.remove('stale');
    prediction.dataset.class = '';
    prediction.querySelector('.class').textContent = '–';
    prediction.querySelector('.prob').textContent = '';
    inputImg.removeAttribute('src');
    mapsBox.replaceChildren();
    delete mapsBox.dataset.layout;
  }

  function show(ans) {
    if (ans.classes.length !== bars.children.length) {
      classes = ans.classes;
      buildBars();
    }
    const best = ans.top[0];
    ans.probs.forEach((p, i) => {
      const li = bars.children[i];
      li.querySelector('.fill').style.width = (100 * p).toFixed(1) + '%';
      li.querySelector('.pct').textContent = percent(p);
      li.classList.toggle('top', i === best.index);
      li.setAttribute('aria-label', `${ans.classes[i]}: ${percent(p)}`);
    });
    bars.classList.remove('stale');
    prediction.dataset.class = best.class;
    prediction.querySelector('.class').textContent = best.class;
    prediction.querySelector('.prob').textContent = percent(best.prob) + ' sure';
    inputImg.src = ans.input;
    showMaps(ans.feature_maps || []);
    const others = ans.top.slice(1).filter((t) => t.prob >= 0.01).map((t) => `${t.class} ${percent(t.prob)}`).join(', ');
    setStatus(`Looks like ${best.class}` + (others ? ` (or perhaps ${others}).` : '.'));
  }

  function showMaps(maps) {
    if (!mapsToggle.checked) return;
    if (maps.length === 0) {
      mapsBox.textContent = 'This model has no convolutions to show.';
      mapsBox.dataset.layout = 'none';
      return;
    }
    // Reuse the images while the layout stays the same, to avoid flicker.
    const layout = maps.map((m) => `${m.layer}:${m.channels.length}`).join(',');
    if (mapsBox.dataset.layout !== layout) {
      mapsBox.replaceChildren();
      for (const m of maps) {
        const stage = document.createElement('div');
        stage.className = 'stage';
        const h = document.createElement('h3');
        h.textContent = `Layer ${m.layer}: ${m.stage.join(' → ')} `;
        const dims = document.createElement('span');
        const shown = m.channels.length < m.shape[0] ? ` (first ${m.channels.length} shown)` : '';
        dims.textContent = `${m.shape[0]} maps of ${m.shape[1]}×${m.shape[2]}${shown}`;
        h.appendChild(dims);
        const grid = document.createElement('div');
        grid.className = 'grid ' + (m.channels.length <= 8 ? 'large' : m.channels.length <= 24 ? '' : 'small');
        m.channels.forEach((_, c) => {
          const img = document.createElement('img');
          img.alt = `layer ${m.layer}, map ${c + 1}`;
          grid.appendChild(img);
        });
        stage.append(h, grid);
        mapsBox.appendChild(stage);
      }
      mapsBox.dataset.layout = layout;
    }
    maps.forEach((m, i) => {
      const imgs = mapsBox.children[i].querySelectorAll('img');
      m.channels.forEach((src, c) => { imgs[c].src = src; });
    });
  }

  mapsToggle.addEventListener('change', () => {
    mapsSection.classList.toggle('hidden', !mapsToggle.checked);
    if (mapsToggle.checked) sendCanvas();
  });

  // ---- start ----

  clearPad();
  fetch('/api/model')
    .then((r) => r.json())
    .then((info) => {
      classes = info.classes;
      buildBars();
      // Drawing is offered to models that read digits prepared as MNIST's
      // were; any other model is shown uploaded pictures.
      drawable = info.input.prep === 'mnist';
      const [, h, w] = info.input.shape;
      if (!drawable) {
        document.getElementById('draw-title').textContent = 'Upload a picture';
        pad.classList.add('view-only');
        pad.setAttribute('aria-label', 'The uploaded picture. Upload a PNG, JPEG or GIF file with the button below.');
        document.getElementById('input-note').textContent =
          `Your picture, resized to ${w}×${h} pixels as the training images were.`;
        setStatus(idleMessage());
      }
      const info1 = document.getElementById('model-info');
      info1.replaceChildren();
      const code = document.createElement('code');
      code.textContent = info.spec;
      const data = info.info && info.info.dataset ? ` trained on ${info.info.dataset}` : '';
      info1.append('Model ', code, `${data}, input ${info.input.shape.join('×')}.`);
    })
    .catch(() => setStatus('Could not load the model description.', true));
})();
