/* The front desk's scanner page: camera (jsQR, in the page), handheld scanner or typed code
   into the field, a typed reference or name; the answer fills the screen in colour, words,
   an icon and a sound, and the field is ready for the next scan.

   When the server does not answer within 2 seconds, or the network is down, the page answers
   from the day's list it keeps (refreshed every 10 seconds), queues the scan with its own id,
   its time and the desk's name, and sends the queue when the network is back: the server
   records each scan once. A queued scan the server finds already used elsewhere is shown as
   a conflict, never taken as good. */
(function () {
  "use strict";

  var root = document.getElementById("desk");
  if (!root) return;
  var T = JSON.parse(root.dataset.texts);
  var TIMEOUT_MS = 2000;
  var REFRESH_MS = 10000;
  var KEYS = { device: "desk.device", queue: "desk.queue", day: "desk.day", conflicts: "desk.conflicts" };
  var field = document.getElementById("scan-code");
  var answerBox = document.getElementById("answer");
  var extra = document.getElementById("answer-extra");
  var deviceField = document.getElementById("device-name");
  var online = true;
  window.deskTimings = []; // ms from a decoded code to its answer on screen

  // --- What this device keeps --------------------------------------------------------------

  function load(key, fallback) {
    try { var v = JSON.parse(localStorage.getItem(key)); return v === null ? fallback : v; }
    catch (e) { return fallback; }
  }
  function save(key, value) { localStorage.setItem(key, JSON.stringify(value)); }

  // The day on the museum's calendar (Milan's), whatever zone this device's clock is set to:
  // the day list and the tickets' valid days are the museum's.
  var museumDay = new Intl.DateTimeFormat("en-CA", {
    timeZone: root.dataset.timezone, year: "numeric", month: "2-digit", day: "2-digit"
  });
  function todayIso() { return museumDay.format(new Date()); }

  var day = load(KEYS.day, null);
  if (day && day.day !== todayIso()) { day = null; localStorage.removeItem(KEYS.day); } // end of the day: wiped
  var queue = load(KEYS.queue, []);
  var conflicts = load(KEYS.conflicts, []);

  var device = load(KEYS.device, "");
  if (!device) { device = T.desk + " " + Math.random().toString(36).slice(2, 6).toUpperCase(); save(KEYS.device, device); }
  deviceField.value = device;
  deviceField.addEventListener("change", function () {
    device = deviceField.value.trim().slice(0, 80) || device;
    deviceField.value = device;
    save(KEYS.device, device);
  });

  function newScanId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return values[k]; });
  }

  // --- The network ---------------------------------------------------------------------------

  function request(url, body, timeout) {
    var controller = new AbortController();
    var timer = setTimeout(function () { controller.abort(); }, timeout || TIMEOUT_MS);
    var options = { signal: controller.signal, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRFToken"] = root.dataset.csrf;
      options.body = JSON.stringify(body);
    }
    return fetch(url, options).then(function (response) {
      clearTimeout(timer);
      if (response.status >= 500) throw new Error("server " + response.status);
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    }, function (error) { clearTimeout(timer); throw error; });
  }

  function setOnline(value) {
    online = value;
    var state = document.getElementById("net-state");
    state.textContent = value ? T.online : T.offline;
    state.className = "net " + (value ? "net-online" : "net-offline");
    document.body.classList.toggle("desk-offline", !value);
    showQueue();
  }

  function showQueue() {
    var el = document.getElementById("queue-state");
    el.hidden = queue.length === 0;
    el.textContent = queue.length === 1 ? T.waiting_one : format(T.waiting, { num: queue.length });
  }

  // --- The answer on screen ------------------------------------------------------------------

  var ICONS = {
    ok: "icon-ok", already_used: "icon-used", wrong_day: "icon-day", cancelled: "icon-cancelled",
    unknown: "icon-unknown", not_checked_in: "icon-unknown", choose_collector: "icon-out",
    no_collector: "icon-cancelled", conflict: "icon-used", idle: "icon-ready",
    no_seats_left: "icon-cancelled"
  };

  function show(result, headline, message, meta) {
    answerBox.className = "answer answer-" + result.replace(/_/g, "-");
    var icon = document.getElementById("answer-icon");
    icon.textContent = "";
    var template = document.getElementById(ICONS[result] || "icon-unknown");
    if (template) icon.appendChild(template.content.cloneNode(true));
    document.getElementById("answer-headline").textContent = headline;
    document.getElementById("answer-message").textContent = message || "";
    document.getElementById("answer-meta").textContent = meta || "";
    extra.textContent = "";
    beep(result === "ok" ? "ok" : (result === "choose_collector" ? "ask" : "no"));
  }

  // The name, then what it admits, without the name twice when the label starts with it.
  function withName(ticket) {
    return ticket.label.indexOf(ticket.name) === 0 ? ticket.label : ticket.name + " — " + ticket.label;
  }

  function ticketMeta(ticket) {
    if (!ticket) return "";
    // The name once: left out here when the answer's words already begin with it.
    var name = ticket.label.indexOf(ticket.name) === 0 ? "" : ticket.name;
    return [name, ticket.programme, ticket.time, ticket.reference].filter(Boolean).join(" · ");
  }

  function showAnswer(answer, code) {
    var result = answer.result === "ok" && answer.direction === "out" ? "ok" : answer.result;
    show(result, answer.headline, answer.message, ticketMeta(answer.ticket));
    if (answer.result === "ok" && answer.direction === "in" && answer.headcount && answer.scan) {
      showHeadcount(answer);
    }
    if (answer.result === "choose_collector") showCollectors(answer, code);
    // Brothers and sisters go out with the same collector: offered once one is chosen.
    else if (answer.companions && answer.companions.length) showCompanions(answer);
    if (answer.ticket) addDetailsButton(answer.ticket.code);
    if (answer.ticket && day) { // this device's list follows what the server said
      var kept = day.tickets[answer.ticket.code];
      if (kept && answer.result === "ok") kept.state = answer.direction === "in" ? "inside" : "left";
    }
  }

  function button(label, className, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn " + className;
    b.textContent = label;
    b.addEventListener("click", onClick);
    return b;
  }

  function addDetailsButton(code) {
    // The detail opens on purpose, with a POST (never a link a browser could prefetch); audited.
    var form = document.createElement("form");
    form.method = "post";
    form.target = "_blank";
    form.className = "details-form";
    form.action = root.dataset.detailsUrl.replace("CODE", encodeURIComponent(code));
    var token = document.createElement("input");
    token.type = "hidden"; token.name = "csrf_token"; token.value = root.dataset.csrf;
    form.appendChild(token);
    var b = document.createElement("button");
    b.type = "submit"; b.className = "btn btn-outline-secondary btn-sm"; b.textContent = T.details;
    form.appendChild(b);
    extra.appendChild(form);
  }

  // A group: how many actually came, each kind as expected unless tapped otherwise, then
  // Confirm: one tap when all came, two when some did not.
  function showHeadcount(answer) {
    var box = document.createElement("div");
    box.className = "headcount";
    var chosen = {};
    answer.headcount.forEach(function (row) {
      chosen[row.kind] = row.expected;
      var group = document.createElement("fieldset");
      group.className = "count-row";
      var legend = document.createElement("legend");
      legend.textContent = row.label + " (" + row.expected + ")";
      group.appendChild(legend);
      var low = Math.max(0, row.expected - 5);
      for (var n = row.expected; n >= low; n--) {
        (function (n) {
          var chip = button(String(n), "btn-outline-primary count-chip", function () {
            chosen[row.kind] = n;
            group.querySelectorAll(".count-chip").forEach(function (c) { c.setAttribute("aria-pressed", "false"); });
            chip.setAttribute("aria-pressed", "true");
          });
          chip.setAttribute("aria-pressed", n === row.expected ? "true" : "false");
          chip.setAttribute("aria-label", n + " " + T.of + " " + row.expected + " " + row.label);
          group.appendChild(chip);
        })(n);
      }
      box.appendChild(group);
    });
    var confirm = button(T.confirm_count, "btn-primary count-confirm", function () {
      confirm.disabled = true;
      var url = root.dataset.countsUrl.replace(/\/0\/counts$/, "/" + answer.scan.id + "/counts");
      request(url, { arrived: chosen }, 5000).then(function (reply) {
        var counts = reply.data.counts || [];
        var arrived = counts.reduce(function (s, c) { return s + c.arrived; }, 0);
        var expected = counts.reduce(function (s, c) { return s + c.expected; }, 0);
        box.textContent = "";
        var p = document.createElement("p");
        p.className = "count-saved";
        p.textContent = format(T.count_saved, { arrived: arrived, expected: expected });
        box.appendChild(p);
        field.focus();
      }, function () { confirm.disabled = false; });
    });
    box.appendChild(confirm);
    extra.appendChild(box);
  }

  // Brothers and sisters of the same day: all checked in (or out) in one step.
  function showCompanions(answer) {
    var ready = answer.companions.filter(function (c) { return c.ready; });
    if (!ready.length) return;
    var box = document.createElement("div");
    box.className = "companions";
    var list = document.createElement("ul");
    ready.forEach(function (c) {
      var li = document.createElement("li");
      li.textContent = withName(c);
      list.appendChild(li);
    });
    box.appendChild(list);
    var out = answer.direction === "out";
    var b = button((out ? T.also_out : T.also) + " (" + ready.length + ")", "btn-primary", function () {
      b.disabled = true;
      var sends = ready.map(function (c) {
        if (out) return request(root.dataset.scanUrl, { code: c.code, direction: "out", collector: answer.chosen_collector, scan_id: newScanId(), device: device });
        return request(root.dataset.scanUrl, { code: c.code, direction: "in", scan_id: newScanId(), device: device });
      });
      Promise.all(sends).then(function () {
        list.textContent = "";
        b.remove();
        var p = document.createElement("p");
        p.textContent = T.companions_done;
        box.appendChild(p);
        field.focus();
      }, function () { b.disabled = false; });
    });
    box.appendChild(b);
    extra.appendChild(box);
  }

  // A child checked out: who collects, chosen from the programme's list; recorded.
  function showCollectors(answer, code) {
    var box = document.createElement("div");
    box.className = "collectors";
    answer.collectors.forEach(function (c) {
      box.appendChild(button(c.name + (c.relationship ? " (" + c.relationship + ")" : ""), "btn-primary collector", function () {
        checkOut(code, c.name);
      }));
    });
    if (answer.may_leave_alone) {
      box.appendChild(button(T.leaves_alone, "btn-outline-primary collector", function () { checkOut(code, answer.left_alone); }));
    }
    extra.appendChild(box);
  }

  function checkOut(code, collector) {
    var started = performance.now();
    request(root.dataset.scanUrl, { code: code, direction: "out", collector: collector, scan_id: newScanId(), device: device })
      .then(function (reply) {
        reply.data.chosen_collector = collector;
        answered(reply, code, started);
      }, function () { show("unknown", T.offline, T.offline_unknown_note); });
  }

  // --- A scan ----------------------------------------------------------------------------------

  function looksLikeCode(text) {
    return /\/t\/[A-Za-z0-9_-]+\/?$/.test(text) || /^[A-Za-z0-9_-]{16,64}$/.test(text);
  }

  function submit(text) {
    text = text.trim();
    field.value = "";
    if (!text) return;
    unlockAudio();
    document.getElementById("search-results").hidden = true;
    if (!looksLikeCode(text)) { search(text); return; }
    var started = performance.now();
    var scan = { code: text, scan_id: newScanId(), device: device };
    scansWaiting += 1;
    request(root.dataset.scanUrl, scan).then(function (reply) {
      setOnline(true);
      answered(reply, text, started);
      flush();
    }, function () {
      setOnline(false);
      answerLocally(scan, started);
    });
  }

  function answered(reply, code, started) {
    if (reply.status === 200) showAnswer(reply.data, code);
    else show("unknown", reply.data.title || "", reply.data.detail || "");
    painted(started);
  }

  function painted(started) {
    requestAnimationFrame(function () {
      window.deskTimings.push(performance.now() - started);
      field.focus();
      scanDone();
    });
  }

  // --- Offline: the day's list, the queue, the conflicts ------------------------------------------

  function codeOf(text) {
    var m = /\/t\/([A-Za-z0-9_-]+)\/?$/.exec(text);
    return m ? m[1] : text;
  }

  function answerLocally(scan, started) {
    var code = codeOf(scan.code);
    var ticket = day && day.tickets[code];
    var meta = ticket ? [ticket.name, ticket.programme, ticket.time].join(" · ") : "";
    if (!ticket) {
      show("unknown", T.offline_unknown, T.offline_unknown_note);
    } else if (ticket.state === "cancelled") {
      show("cancelled", T.cancelled, "", meta);
    } else if (todayIso() < ticket.valid_from || todayIso() > ticket.valid_to) {
      show("wrong_day", T.wrong_day, ticket.valid_from, meta);
    } else if (ticket.checks_out && ticket.state === "inside") {
      // Who may collect a child is not kept on the device: a check-out waits for the network.
      show("not_checked_in", T.offline, T.offline_checkout, meta);
    } else if (ticket.state === "inside") {
      show("already_used", T.already_used, ticket.here_at ? format(T.used_here, { when: ticket.here_at }) : T.offline_list, meta);
    } else if (ticket.checks_out && ticket.state === "left") {
      ticket.state = "inside"; enqueue(scan, "in");
      show("ok", T.offline_ok, ticket.label, meta + " · " + T.offline_note);
    } else {
      ticket.state = "inside";
      ticket.here_at = new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      enqueue(scan, "in");
      show("ok", T.offline_ok, ticket.label, meta + " · " + T.offline_note);
    }
    if (day) save(KEYS.day, day);
    painted(started);
  }

  function enqueue(scan, direction) {
    queue.push({ code: scan.code, scan_id: scan.scan_id, device: scan.device, direction: direction, scanned_at: new Date().toISOString() });
    save(KEYS.queue, queue);
    showQueue();
  }

  var flushing = false;
  function flush() {
    if (flushing || !queue.length) return;
    flushing = true;
    var next = queue[0];
    request(root.dataset.scanUrl, next, 5000).then(function (reply) {
      setOnline(true);
      queue.shift();
      save(KEYS.queue, queue);
      showQueue();
      if (reply.status === 200 && reply.data.result !== "ok") {
        conflicts.push({
          code: next.code,
          name: reply.data.ticket ? reply.data.ticket.name : next.code,
          headline: reply.data.headline,
          message: reply.data.message,
          scanned_at: next.scanned_at
        });
        save(KEYS.conflicts, conflicts);
        showConflicts();
        show("conflict", T.conflict, (reply.data.ticket ? reply.data.ticket.name + ": " : "") + reply.data.message);
      }
      flushing = false;
      flush();
    }, function () { flushing = false; setOnline(false); });
  }

  function showConflicts() {
    var section = document.getElementById("conflicts");
    var list = document.getElementById("conflict-list");
    list.textContent = "";
    section.hidden = conflicts.length === 0;
    conflicts.forEach(function (c, i) {
      var li = document.createElement("li");
      var text = document.createElement("span");
      var at = new Date(c.scanned_at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      text.textContent = c.name + " (" + at + "): " + c.headline + ". " + c.message;
      li.appendChild(text);
      li.appendChild(button(T.dismiss, "btn-outline-secondary btn-sm", function () {
        conflicts.splice(i, 1);
        save(KEYS.conflicts, conflicts);
        showConflicts();
        field.focus();
      }));
      list.appendChild(li);
    });
  }

  // Work that may wait (the day's list, hundreds of tickets to go through and keep) is done
  // between scans, never while one waits for its answer: a scan is answered first.
  var scansWaiting = 0, later = [];
  function betweenScans(work) {
    if (scansWaiting === 0) work(); else later.push(work);
  }
  function scanDone() {
    scansWaiting = Math.max(0, scansWaiting - 1);
    if (scansWaiting === 0) later.splice(0).forEach(function (work) { setTimeout(work, 0); });
  }

  function refreshDay() {
    request(root.dataset.todayUrl, undefined, 5000).then(function (reply) {
      betweenScans(function () { keepDay(reply); });
    }, function () { setOnline(false); });
  }

  function keepDay(reply) {
      setOnline(true);
      var tickets = {};
      reply.data.items.forEach(function (slot) {
        slot.tickets.forEach(function (t) {
          var kept = day && day.tickets[t.code];
          tickets[t.code] = {
            // A child's label carries the "allergies: yes" mark: health data stays off this
            // device's storage, the name is enough for a local answer.
            name: t.name, label: t.checks_out ? t.name : t.label, admits: t.admits, programme: t.programme, time: t.time,
            valid_from: t.valid_from, valid_to: t.valid_to, checks_out: t.checks_out,
            // a scan still queued here counts, even before the server has it
            state: kept && kept.here_at && (queued(t.code) || (t.pass && queued(t.pass))) ? "inside" : t.state,
            here_at: kept ? kept.here_at : undefined
          };
          // A child's pass (one QR for all the child's weeks) answers as today's ticket.
          if (t.pass) tickets[t.pass] = tickets[t.code];
        });
      });
      day = { day: reply.data.day, tickets: tickets };
      save(KEYS.day, day);
      showWalkIns(reply.data.items);
      flush();
  }

  // --- Walk-ins: seats booked on the spot, for today's dates that take them ------------------------

  var WALK_IN_BUTTONS = 4;
  function showWalkIns(slots) {
    var section = document.getElementById("walk-ins");
    var list = document.getElementById("walk-in-list");
    var open = slots.filter(function (s) { return s.walk_in_seats !== null && s.walk_in_seats !== undefined; });
    section.hidden = open.length === 0;
    list.textContent = "";
    open.forEach(function (slot) {
      var li = document.createElement("li");
      li.dataset.slot = slot.slot_id;
      var text = document.createElement("span");
      text.className = "walk-in-text";
      var free = slot.walk_in_seats;
      var title = slot.time + " · " + slot.programme + ": ";
      text.textContent = title + (free === 0 ? T.walk_in_none : (free === 1 ? T.walk_in_one : format(T.walk_in_free, { num: free })));
      if (free === 0) li.className = "walk-in-full";
      li.appendChild(text);
      var buttons = document.createElement("span");
      buttons.className = "walk-in-buttons";
      for (var n = 1; n <= Math.min(WALK_IN_BUTTONS, free); n++) {
        (function (n) {
          var b = button(n === 1 ? T.walk_in_seat : format(T.walk_in_seats, { num: n }), "btn-outline-primary walk-in", function () { walkIn(slot.slot_id, n, b); });
          buttons.appendChild(b);
        })(n);
      }
      li.appendChild(buttons);
      list.appendChild(li);
    });
  }

  function walkIn(slotId, seats, b) {
    unlockAudio();
    b.disabled = true;
    var started = performance.now();
    scansWaiting += 1;
    request(root.dataset.walkInUrl, { slot_id: slotId, seats: seats, device: device }, 5000).then(function (reply) {
      b.disabled = false;
      if (reply.status === 200) {
        show("ok", reply.data.headline, reply.data.message, T.walk_in + " · " + reply.data.reference);
      } else {
        var result = reply.data.code === "no_seats_left" ? "no_seats_left" : "unknown";
        show(result, result === "no_seats_left" ? T.no_seats : (reply.data.title || ""), reply.data.detail || "");
      }
      painted(started);
      refreshDay();
    }, function () {
      b.disabled = false;
      setOnline(false);
      show("unknown", T.offline, T.walk_in_offline);
      painted(started);
    });
  }

  function queued(code) {
    return queue.some(function (q) { return codeOf(q.code) === code; });
  }

  // --- Search by reference or name -------------------------------------------------------------------

  function search(text) {
    var section = document.getElementById("search-results");
    var list = document.getElementById("search-list");
    list.textContent = T.searching;
    section.hidden = false;
    request(root.dataset.searchUrl + "?q=" + encodeURIComponent(text), undefined, 5000).then(function (reply) {
      list.textContent = "";
      if (!reply.data.items.length) { list.textContent = T.search_none; return; }
      reply.data.items.forEach(function (t) {
        var li = document.createElement("li");
        var text = document.createElement("span");
        text.textContent = [withName(t), t.programme, t.time, t.reference].join(" · ");
        li.appendChild(text);
        li.appendChild(button(T.check_in, "btn-primary btn-sm", function () { section.hidden = true; submit(t.code); }));
        list.appendChild(li);
      });
    }, function () { list.textContent = T.offline_unknown_note; setOnline(false); });
  }

  // --- Sound (WebAudio: made here, no file) ----------------------------------------------------------

  var audio = null;
  function unlockAudio() {
    if (!audio && window.AudioContext) audio = new AudioContext();
    if (audio && audio.state === "suspended") audio.resume();
  }
  function tone(frequency, start, length) {
    var osc = audio.createOscillator();
    var gain = audio.createGain();
    osc.frequency.value = frequency;
    osc.type = "sine";
    gain.gain.setValueAtTime(0.25, audio.currentTime + start);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + start + length);
    osc.connect(gain).connect(audio.destination);
    osc.start(audio.currentTime + start);
    osc.stop(audio.currentTime + start + length);
  }
  function beep(kind) {
    if (!audio) return;
    if (kind === "ok") tone(880, 0, 0.15);
    else if (kind === "ask") { tone(660, 0, 0.12); tone(880, 0.15, 0.12); }
    else { tone(220, 0, 0.18); tone(220, 0.25, 0.18); }
  }

  // --- The camera ---------------------------------------------------------------------------------

  var video = document.getElementById("camera");
  var cameraButton = document.getElementById("camera-toggle");
  var canvas = document.createElement("canvas");
  var stream = null;
  var lastCode = "", lastAt = 0;

  function startCamera() {
    unlockAudio();
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { show("unknown", T.camera_error, ""); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false }).then(function (s) {
      stream = s;
      video.srcObject = s;
      video.play();
      document.getElementById("camera-box").hidden = false;
      cameraButton.textContent = T.camera_off;
      cameraButton.setAttribute("aria-pressed", "true");
      requestAnimationFrame(decodeFrame);
    }, function () { show("unknown", T.camera_error, ""); });
  }

  function stopCamera() {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null;
    document.getElementById("camera-box").hidden = true;
    cameraButton.textContent = T.camera_on;
    cameraButton.setAttribute("aria-pressed", "false");
    field.focus();
  }

  var lastFrame = 0;
  function decodeFrame(now) {
    if (!stream) return;
    requestAnimationFrame(decodeFrame);
    if (now - lastFrame < 100 || video.readyState < 2) return; // ten frames a second is plenty
    lastFrame = now;
    var width = video.videoWidth, height = video.videoHeight;
    if (!width) return;
    canvas.width = width; canvas.height = height;
    var context = canvas.getContext("2d", { willReadFrequently: true });
    context.drawImage(video, 0, 0, width, height);
    var found = window.jsQR(context.getImageData(0, 0, width, height).data, width, height, { inversionAttempts: "dontInvert" });
    if (!found || !found.data) return;
    // The same code held in front of the camera is one scan, not one per frame: scanned
    // again only once it has been out of sight for two seconds.
    if (found.data === lastCode && Date.now() - lastAt < 2000) { lastAt = Date.now(); return; }
    lastCode = found.data; lastAt = Date.now();
    submit(found.data);
  }

  cameraButton.addEventListener("click", function () { if (stream) stopCamera(); else startCamera(); });

  // --- Wiring -----------------------------------------------------------------------------------

  document.getElementById("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    submit(field.value);
  });
  document.addEventListener("keydown", unlockAudio, { once: true });

  // What the browser kept is wiped at sign-out (unsent scans: asked first).
  document.querySelectorAll("form[action$='/logout']").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (queue.length && !window.confirm(format(T.waiting, { num: queue.length }))) { event.preventDefault(); return; }
      [KEYS.queue, KEYS.day, KEYS.conflicts].forEach(function (k) { localStorage.removeItem(k); });
      if (window.caches) caches.keys().then(function (keys) { keys.forEach(function (k) { caches.delete(k); }); });
    });
  });

  // The page and its assets kept by a service worker: it opens again with the network down.
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(root.dataset.serviceWorker, { scope: root.dataset.scope }).catch(function () {});
  }

  window.addEventListener("online", function () { refreshDay(); });
  window.addEventListener("offline", function () { setOnline(false); });
  setInterval(refreshDay, REFRESH_MS);
  refreshDay();
  showQueue();
  showConflicts();
  show("idle", T.ready, "");
  field.focus();
  window.desk = { submit: submit, flush: flush, refresh: refreshDay };
})();
