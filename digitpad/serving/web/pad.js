// The digit pad in a browser: strokes drawn with pointer events (mouse, finger, pen) are sent to
// the server in the form the desktop pad saves them and read there exactly as the pad reads them.
// At most one request is in flight; when it returns, the latest strokes go next, so the answer
// after the pen lifts always arrives.
"use strict";

const PAD_SIDE = 400;            // the digit pad, as the desktop pad's default --size
const NUMBER_WIDTH = 3;          // the number pad is three times as wide as it is tall
const SURE_COLOUR = "#1f7a3d", UNSURE_COLOUR = "#b3541e";

const pad = document.getElementById("pad");
const ink = pad.getContext("2d");
const seen = document.getElementById("seen").getContext("2d");
const answer = document.getElementById("answer");
const detail = document.getElementById("detail");
const statusLine = document.getElementById("status");
const brushInput = document.getElementById("brush");
const modeButton = document.getElementById("mode");
const saveGroup = document.getElementById("save");

let strokes = [];                // [{brush, points: [[x, y], ...]}], in pad pixels
let undone = null;               // the drawing a clear took away, for undo
let drawing = null;              // the pointer drawing now: {id, stroke}
let numberMode = false;
let latest = null;               // the last answer shown
let inFlight = false, pending = false, failed = false, saving = false;
let changes = 0;                 // strokes changed this many times: which answer is for which drawing
let lifted = null;               // {at, changes} when the pen last lifted, until its answer shows
// Measured on the page itself (tools/bench.py reads them): milliseconds from the pen lifting to its
// answer on screen, and how many answers showed while the pen was down.
pad.dataset.answeredIn = "";
pad.dataset.updates = "0";
pad.dataset.drawingMs = "0";     // ... and for how long the pen was down

const bars = [];
for (let d = 0; d < 10; d++) {
  const li = document.createElement("li");
  li.innerHTML = `<span class="digit">${d}</span><span class="track"><span class="fill"></span></span>` +
                 `<span class="pct">0%</span>`;
  li.setAttribute("aria-label", `${d}: 0 percent`);
  document.getElementById("bars").append(li);
  bars.push(li);
}

// ---- the pad -------------------------------------------------------------------------------

function resizePad() {
  pad.width = numberMode ? NUMBER_WIDTH * PAD_SIDE : PAD_SIDE;
  pad.height = PAD_SIDE;
  redraw();
}

function padPoint(event) {
  const box = pad.getBoundingClientRect();
  const x = (event.clientX - box.left) * pad.width / box.width;
  const y = (event.clientY - box.top) * pad.height / box.height;
  return [Math.round(x * 10) / 10, Math.round(y * 10) / 10];
}

function drawStroke(stroke) {
  const p = stroke.points;
  ink.lineWidth = stroke.brush;
  ink.beginPath();
  if (p.length === 1) {
    ink.arc(p[0][0], p[0][1], stroke.brush / 2, 0, 2 * Math.PI);
    ink.fill();
    return;
  }
  ink.moveTo(p[0][0], p[0][1]);
  for (const [x, y] of p.slice(1)) ink.lineTo(x, y);
  ink.stroke();
}

function redraw() {
  ink.fillStyle = "#000";
  ink.fillRect(0, 0, pad.width, pad.height);
  ink.strokeStyle = ink.fillStyle = "#fff";
  ink.lineCap = ink.lineJoin = "round";
  strokes.forEach(drawStroke);
  if (numberMode && latest && latest.digits) drawNumberBoxes(latest.digits);
}

function drawNumberBoxes(digits) {
  ink.lineWidth = 2;
  ink.font = "bold 22px system-ui, sans-serif";
  for (const d of digits) {
    const [x, y, w, h] = d.box;
    ink.strokeStyle = ink.fillStyle = d.sure ? SURE_COLOUR : UNSURE_COLOUR;
    ink.strokeRect(x - 4, y - 4, w + 8, h + 8);
    ink.fillText(d.sure ? String(d.digit) : "?", x - 4, Math.max(20, y - 10));
  }
}

pad.addEventListener("pointerdown", (event) => {
  if (drawing || (event.pointerType === "mouse" && event.button !== 0)) return;  // one pointer draws at a time
  event.preventDefault();
  pad.setPointerCapture(event.pointerId);
  const stroke = {brush: Number(brushInput.value), points: [padPoint(event)]};
  drawing = {id: event.pointerId, stroke, since: performance.now()};
  strokes.push(stroke);
  undone = null;
  redraw();
  ask();
});

pad.addEventListener("pointermove", (event) => {
  if (!drawing || event.pointerId !== drawing.id) return;
  const moves = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
  for (const move of moves.length ? moves : [event]) drawing.stroke.points.push(padPoint(move));
  redraw();
  ask();
});

function penUp(event) {
  if (!drawing || event.pointerId !== drawing.id) return;
  pad.dataset.drawingMs = String(Number(pad.dataset.drawingMs) + performance.now() - drawing.since);
  drawing = null;
  lifted = {at: performance.now(), changes};
  ask();
}
pad.addEventListener("pointerup", penUp);
pad.addEventListener("pointercancel", penUp);
pad.addEventListener("contextmenu", (event) => event.preventDefault());

// ---- asking the server ---------------------------------------------------------------------

function ask() {
  changes++;
  pending = true;
  if (!inFlight) send();
}

async function send() {
  pending = false;
  if (!strokes.length) {
    show(null);
    return;
  }
  inFlight = true;
  const asked = changes, mode = numberMode;
  const body = JSON.stringify({strokes, canvas_size: [pad.width, pad.height]});
  try {
    let reply, data;
    try {
      reply = await fetch(mode ? "/predict/number" : "/predict",
                          {method: "POST", headers: {"Content-Type": "application/json"}, body});
    } catch (error) {
      fail("the server cannot be reached; is tools/serve.py running?");
      return;
    }
    try {
      data = await reply.json();
    } catch (error) {
      data = {error: `the server answered ${reply.status} ${reply.statusText}`};
    }
    if (mode !== numberMode) return;  // asked in the other mode: the drawing it read is gone
    if (reply.ok) {
      show(data);
      measure(asked);
      if (failed) say("");
      failed = false;
    } else if (!pending) {
      fail(data.error || `the server answered ${reply.status}`);
    }
  } finally {
    inFlight = false;
    if (pending) send();
  }
}

function fail(text) {
  show(null);  // an answer for an older drawing would be wrong now
  failed = true;
  say(text);
}

function show(data) {
  latest = data;
  const empty = !data || (data.digits && !data.digits.length);
  let probabilities = null, input = null, sure = false, text = "\u2013";
  if (!empty && numberMode) {
    const current = data.digits[data.current] || data.digits[data.digits.length - 1];
    probabilities = current.probabilities;
    input = data.input;
    sure = data.sure;
    text = data.digits.map((d) => (d.sure ? String(d.digit) : "?")).join("");
    const count = data.digits.length;
    detail.textContent = sure ? `${count} digit${count > 1 ? "s" : ""}` : "? marks a digit it is not sure of";
  } else if (!empty) {
    probabilities = data.probabilities;
    input = data.input;
    sure = data.sure;
    text = sure ? String(data.prediction) : "?";
    const guess = bestGuess(probabilities);
    detail.textContent = sure ? `${Math.round(100 * data.confidence)}% sure`
      : guess < 0 ? "not a digit? no best guess"
        : `not a digit? best guess ${guess} (${Math.round(100 * data.confidence)}%)`;
  } else {
    detail.textContent = numberMode ? "write a number here" : "draw here";
  }
  if (answer.textContent !== text) answer.textContent = text;  // the live region speaks only changes
  answer.className = empty ? "" : sure ? "sure" : "unsure";
  showBars(probabilities, sure);
  showInput(input);
  if (numberMode) redraw();
}

function measure(asked) {
  if (drawing) pad.dataset.updates = String(Number(pad.dataset.updates) + 1);
  if (lifted && asked >= lifted.changes) {
    const since = lifted.at;
    lifted = null;
    requestAnimationFrame(() => { pad.dataset.answeredIn = (performance.now() - since).toFixed(2); });
  }
}

// The digit likelier than every other, or -1 where the likeliest tie (a line of dots: no digit is).
function bestGuess(probabilities) {
  if (!probabilities) return -1;
  const values = Array.from({ length: 10 }, (_, d) => Number(probabilities[String(d)]) || 0);
  const top = Math.max(...values);
  return values.filter((v) => v === top).length === 1 ? values.indexOf(top) : -1;
}

function showBars(probabilities, sure) {
  const values = bars.map((_, d) => (probabilities ? Number(probabilities[String(d)]) || 0 : 0));
  const best = bestGuess(probabilities);
  bars.forEach((li, d) => {
    const pct = Math.round(100 * values[d]);
    li.querySelector(".fill").style.width = `${(100 * values[d]).toFixed(1)}%`;
    li.querySelector(".pct").textContent = `${pct}%`;
    li.setAttribute("aria-label", `${d}: ${pct} percent`);
    li.classList.toggle("best", d === best);
    li.classList.toggle("unsure", d === best && !sure);
  });
}

function showInput(input) {
  const pixels = seen.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = input ? Math.round(255 * input[Math.floor(i / 28)][i % 28]) : 0;
    pixels.data.set([v, v, v, 255], 4 * i);
  }
  seen.putImageData(pixels, 0, 0);
}

function say(text) {
  statusLine.textContent = text;
}

// ---- the controls --------------------------------------------------------------------------

function clearPad() {
  if (strokes.length) undone = strokes;
  strokes = [];
  say(undone ? "cleared (undo brings it back)" : "");
  redraw();
  ask();
}

function undo() {
  if (!strokes.length && undone) {
    strokes = undone;
    undone = null;
    say("the drawing is back");
  } else if (strokes.length) {
    strokes.pop();
    say("undid the last stroke");
  } else {
    say("nothing to undo");
  }
  redraw();
  ask();
}

function toggleMode() {
  numberMode = !numberMode;
  modeButton.setAttribute("aria-pressed", String(numberMode));
  saveGroup.hidden = numberMode || !saveGroup.querySelector("button");
  strokes = [];
  undone = null;
  latest = null;
  resizePad();
  say(numberMode ? "number mode: write a whole number" : "digit mode");
  ask();
}

function brush(step) {
  brushInput.value = String(Number(brushInput.value) + step);
  say(`brush ${brushInput.value} px`);
}

async function saveAs(label) {
  if (saving) return;  // one save at a time: a double press must not save the drawing twice
  if (!strokes.length || numberMode) {
    say(numberMode ? "samples are saved one digit at a time: leave number mode first" : "nothing to save: the pad is empty");
    return;
  }
  const sent = strokes.slice();
  const body = JSON.stringify({label, strokes: sent, canvas_size: [pad.width, pad.height]});
  saving = true;
  try {
    const reply = await fetch("/samples", {method: "POST", headers: {"Content-Type": "application/json"}, body});
    const data = await reply.json().catch(() => ({error: `the server answered ${reply.status}`}));
    if (!reply.ok) {
      say(`not saved: ${data.error}`);
      return;
    }
    strokes = strokes.filter((stroke) => !sent.includes(stroke));  // what was drawn meanwhile stays
    undone = null;
    redraw();
    ask();
    say(`saved as ${data.label} (${data.saved})`);
  } catch (error) {
    say("not saved: the server cannot be reached");
  } finally {
    saving = false;
  }
}

document.getElementById("clear").addEventListener("click", clearPad);
document.getElementById("undo").addEventListener("click", undo);
modeButton.addEventListener("click", toggleMode);

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  const actions = {c: clearPad, u: undo, z: undo, n: toggleMode, "+": () => brush(2), "=": () => brush(2),
                   "-": () => brush(-2)};
  if (actions[key]) {
    event.preventDefault();
    actions[key]();
  } else if (/^[0-9]$/.test(key) && !saveGroup.hidden && !event.repeat) {
    event.preventDefault();
    saveAs(Number(key));
  }
});

fetch("/config").then((reply) => reply.json()).then((config) => {
  if (!config.samples) return;
  for (let d = 0; d < 10; d++) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = String(d);
    button.setAttribute("aria-label", `save as ${d}`);
    button.addEventListener("click", () => saveAs(d));
    saveGroup.append(button);
  }
  saveGroup.hidden = numberMode;
}).catch(() => say("the server cannot be reached; is tools/serve.py running?"));

resizePad();
show(null);
