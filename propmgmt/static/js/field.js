/* The offline queue of the field app on the tablet and of the inspector's spot checks on the phone
   (templates/offline/queue.html, propmgmt/offline.py): a `js-queue` form is queued on the device
   (IndexedDB) with an idempotency key and sent when there is a connection; the server applies each
   key once. Photos are made smaller here before upload. Nothing is dropped silently: refusals are
   listed until dismissed. Each record belongs to the user who made it (a shared tablet): only theirs
   are sent in their session, and signing out asks before deleting their unsent ones. */
(function () {
  "use strict";

  var DB_NAME = "propmgmt-field";
  var STORE = "queue";
  var CONFLICTS = "propmgmt-field-conflicts";
  var MAX_SIDE = 1600;
  var metaUser = document.querySelector('meta[name="field-user"]');
  var me = metaUser ? metaUser.content : "";
  var settled = {}; // task id -> {status, label} the server answered in this page's life

  function text(name, values) {
    var box = document.getElementById("field-texts");
    var value = (box && box.getAttribute("data-" + name)) || "";
    Object.keys(values || {}).forEach(function (k) { value = value.replace("{" + k + "}", values[k]); });
    return value;
  }

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE, { keyPath: "key" }); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function store(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && result.result !== undefined ? result.result : result); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }

  function queued() { // this user's records; others' stay on the tablet for their owner
    return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).filter(function (item) { return me && item.userId === me && !item.refused; })
        .sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
    });
  }
  function kept(key) { // a refused record, kept with its photos until the operator has seen it
    return store("readonly", function (s) { return s.get(key); });
  }
  function save(item) { return store("readwrite", function (s) { s.put(item); }); }
  function drop(key) { return store("readwrite", function (s) { s.delete(key); }); }

  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    return Date.now().toString(36) + Math.random().toString(36).slice(2);
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function downscale(file) {
    if (!window.createImageBitmap || !/^image\//.test(file.type)) return Promise.resolve(file);
    return createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", 0.8);
      });
    }).catch(function () { return file; }); // the server says clearly what is wrong with it
  }

  function allConflicts() {
    try { return JSON.parse(localStorage.getItem(CONFLICTS) || "[]"); } catch (e) { return []; }
  }
  function conflicts() { return allConflicts().filter(function (c) { return c.userId === me; }); }
  function addConflict(item, message) {
    var list = allConflicts().filter(function (c) { return c.key !== item.key; });
    list.push({ key: item.key, label: item.label, message: message, userId: item.userId });
    localStorage.setItem(CONFLICTS, JSON.stringify(list));
  }

  var conflictPhotoUrls = []; // the photos' object URLs of the list shown, let go when it is drawn again
  function showConflicts() {
    var box = document.getElementById("conflicts");
    if (!box) return;
    conflictPhotoUrls.forEach(function (url) { URL.revokeObjectURL(url); });
    conflictPhotoUrls = [];
    box.textContent = "";
    conflicts().forEach(function (c) {
      var li = document.createElement("li");
      li.className = "flash flash-error";
      li.textContent = (c.label ? c.label + "：" : "") + c.message + " ";
      var photos = document.createElement("span");
      photos.className = "refused-photos";
      li.appendChild(photos);
      kept(c.key).then(function (item) { // the photos taken for it, to save or submit again
        if (!item || !item.photos) return;
        if (item.taskId) {
          var again = document.createElement("a");
          again.href = "/field/tasks/" + item.taskId;
          again.textContent = "打开任务";
          photos.appendChild(again);
        }
        item.photos.forEach(function (blob, i) {
          var url = URL.createObjectURL(blob);
          conflictPhotoUrls.push(url);
          var link = document.createElement("a");
          link.href = url;
          link.download = (item.photoNames && item.photoNames[i]) || "photo-" + (i + 1) + ".jpg";
          link.title = "保存照片";
          var img = document.createElement("img");
          img.src = url;
          img.alt = "照片 " + (i + 1);
          link.appendChild(img);
          photos.appendChild(link);
        });
      });
      var ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = "知道了";
      ok.addEventListener("click", function () {
        if (!window.confirm("这条记录和它的照片将从平板上删除，确定吗？")) return;
        localStorage.setItem(CONFLICTS, JSON.stringify(allConflicts().filter(function (x) { return x.key !== c.key; })));
        drop(c.key).then(showConflicts);
      });
      li.appendChild(ok);
      box.appendChild(li);
    });
  }

  function render(items, note) {
    var bar = document.getElementById("sync-bar");
    var text = document.getElementById("sync-text");
    if (bar && text) {
      bar.hidden = items.length === 0 && !note;
      text.textContent = note || (items.length + " 条记录等待同步" + (navigator.onLine ? "" : "（当前离线）"));
    }
    var pending = {};
    items.forEach(function (item) { if (item.taskId) pending[item.taskId] = item.kind; });
    document.querySelectorAll("[data-task-id]").forEach(function (el) {
      var id = el.getAttribute("data-task-id");
      var kind = pending[id];
      var badge = el.querySelector(".pending-sync");
      if (badge) badge.hidden = !kind;
      var status = el.querySelector(".task-status");
      if (kind && status) status.textContent = kind === "complete" ? "已完成（待同步）" : "进行中（待同步）";
      if (!kind && settled[id]) showState(el, status, settled[id].status, settled[id].label);
      if (kind === "complete") {
        el.classList.add("status-done");
        el.classList.remove("overdue");
        var late = el.querySelector(".overdue-mark");
        if (late) late.hidden = true;
      }
    });
    showConflicts();
  }

  function showState(el, status, state, label) { // the row or page as the server now has the task
    if (status && label) status.textContent = label;
    el.className = el.className.replace(/\bstatus-[a-z_]+/g, "").trim();
    if (el.classList.contains("task-row")) el.classList.add("status-" + state);
    else if (status) status.className = status.className.replace(/\bstatus-[a-z_]+/g, "").trim() + " status-" + state;
  }

  var syncing = false;
  function sync() {
    if (syncing) return Promise.resolve();
    syncing = true;
    var note = "";
    return queued().then(function (items) {
      var chain = Promise.resolve(true);
      items.forEach(function (item) {
        chain = chain.then(function (goOn) {
          if (!goOn) return false;
          return send(item).then(function (outcome) {
            if (outcome.result === "login") { note = "请重新登录后自动同步"; return false; }
            return outcome.result !== "retry" && outcome.result !== "held";
          });
        });
      });
      return chain;
    }).then(function () { return queued(); }).then(function (left) {
      syncing = false;
      render(left, left.length && note ? note : "");
    }, function () { syncing = false; });
  }

  /* Sends one record; resolves {result: sent | refused | retry | login | held, error}. `inline`: the
     operator is on the form that made it, which shows a refusal next to its field instead of listing it. */
  function send(item, inline) {
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append("key", item.key);
    body.append("device_time", item.deviceTime);
    body.append("offline", item.offline ? "1" : "0");
    body.append("queued_by", item.userId);
    item.photos.forEach(function (blob, i) { // the operator's names, so a refusal says which photo
      body.append((item.photoFields && item.photoFields[i]) || "photos", blob,
        (item.photoNames && item.photoNames[i]) || "photo-" + (i + 1) + ".jpg");
    });
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() || item.csrf, "X-Idempotency-Key": item.key }
    }).then(function (response) {
      if (response.redirected && new URL(response.url).pathname === "/login") return { result: "login" };
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (response.ok) {
          if (data && data.task && data.task.id) settled[String(data.task.id)] = data.task;
          return drop(item.key).then(function () { return { result: "sent" }; });
        }
        var error = (data && data.error) || {};
        if (error.code === "csrf_expired") return { result: "login" };
        if (response.status >= 500 || response.status === 429 || response.status === 408) return { result: "retry" };
        error.message = error.message || ("服务器拒绝了这条记录（" + response.status + "）");
        if (error.code === "other_user") { // not this session's: kept on the tablet for its owner
          addConflict(item, error.message);
          return { result: "held", error: error };
        }
        if (inline) return drop(item.key).then(function () { return { result: "refused", error: error }; });
        addConflict(item, error.message); // sent later from the queue: its photos stay until seen
        item.refused = error.message;
        return save(item).then(function () { return { result: "refused", error: error }; });
      });
    }, function () {
      item.offline = true;
      return save(item).then(function () { return { result: "retry" }; });
    });
  }

  function queue(form) {
    var kind = form.getAttribute("data-kind");
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string" && ["key", "device_time", "csrf_token", "offline"].indexOf(name) < 0) {
        fields.push([name, value]);
      }
    });
    var files = [], photoFields = []; // each photo with its input's name (a spot check's, per defect)
    form.querySelectorAll('input[type="file"]').forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (file) { files.push(file); photoFields.push(input.name); });
    });
    var title = document.querySelector("h1");
    return Promise.all(files.map(downscale)).then(function (photos) {
      var item = {
        key: newKey(), kind: kind, url: form.action, taskId: form.getAttribute("data-task-id"), userId: me,
        label: title ? title.textContent.trim() : "", fields: fields, photos: photos,
        photoNames: files.map(function (file) { return file.name; }), photoFields: photoFields,
        deviceTime: new Date().toISOString(), createdAt: Date.now(), csrf: csrfToken(), offline: !navigator.onLine
      };
      return save(item).then(function () { return item; });
    });
  }

  /* The form's refusal next to its field (checklist, photos, note) or above the form. */
  function showError(form, error) {
    form.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
    form.querySelectorAll("p.error[role=alert]").forEach(function (el) { el.hidden = true; el.textContent = ""; });
    var top = form.querySelector(".form-error");
    if (top) { top.hidden = true; top.textContent = ""; }
    if (!error) return;
    var at = error.field && document.getElementById(error.field + "-error");
    var box = at || top;
    if (!box) { render([], error.message); return; }
    box.textContent = error.message;
    box.hidden = false;
    if (box === top) top.className = "form-error flash flash-error";
    if (at && at.closest(".field")) at.closest(".field").classList.add("has-error");
    box.scrollIntoView({ block: "center" });
  }

  /* What the server would refuse for sure, said before queueing (it may be offline for hours). */
  function precheck(form) {
    if (form.getAttribute("data-kind") === "spot_check") return precheckSpotCheck(form);
    if (form.getAttribute("data-kind") !== "complete") return null;
    var note = form.querySelector("textarea[name=note]");
    var unticked = Array.prototype.filter.call(form.querySelectorAll("input[name=check]"), function (box) {
      return !box.checked;
    }).map(function (box) { return box.value; });
    if (unticked.length && !(note && note.value.trim())) {
      return { field: "checklist", message: text("unticked", { items: unticked.join("、") }) };
    }
    var input = form.querySelector('input[type="file"]');
    var chosen = input ? input.files.length : 0;
    if (form.getAttribute("data-photo-required") === "1" && !chosen &&
        form.getAttribute("data-photos-kept") === "0") {
      return { field: "photos", message: text("photo") };
    }
    return null;
  }

  /* A spot check: at least one item answered; each defect counted (1 to 99) and photographed. */
  function precheckSpotCheck(form) {
    var answered = 0, problem = null;
    form.querySelectorAll("[data-item]").forEach(function (box) {
      var code = box.getAttribute("data-item");
      var answer = box.querySelector('input[name="result_' + code + '"]:checked');
      if (!answer) return;
      answered += 1;
      if (answer.value !== "defects" || problem) return;
      var count = box.querySelector('input[name="defects_' + code + '"]').value.trim();
      if (!/^[0-9]+$/.test(count) || +count < 1 || +count > 99) {
        problem = { field: "defects_" + code, message: text("defects") };
      } else if (!box.querySelector('input[type="file"]').files.length) {
        problem = { field: "defects_" + code, message: text("defect-photo") };
      }
    });
    return answered ? problem : { field: "items", message: text("no-items") };
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-queue") || !window.indexedDB) return;
    event.preventDefault();
    var problem = precheck(form);
    showError(form, problem);
    if (problem) return;
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    queue(form).then(function (item) {
      // Online, this record goes first and a refusal is shown here, with everything still entered.
      return (navigator.onLine ? send(item, true) : Promise.resolve({ result: "retry" })).then(function (outcome) {
        if (outcome.result === "refused" || outcome.result === "held") {
          if (button) button.disabled = false;
          showError(form, outcome.error);
          return;
        }
        return sync().then(function () {
          if (form.getAttribute("data-kind") === "start") { location.reload(); return; }
          location.href = form.getAttribute("data-next") || "/field";
        });
      });
    }).catch(function () {
      if (button) button.disabled = false;
      render([], "本机无法保存这条记录，请重试");
    });
  });

  /* Signing out on a shared tablet: this user's unsent records would be sent by no one (the next
     user's session does not send them), so ask; the cached pages of this user go too. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.action || new URL(form.action, location.href).pathname !== "/logout" || !window.indexedDB) return;
    event.preventDefault();
    if (warming) warming.abort(); // a page fetched for the cache must not answer after the sign-out
    var leave = function () { form.submit(); };
    queued().then(function (mine) {
      if (mine.length && !window.confirm(text("logout", { n: mine.length }))) return;
      return Promise.all(mine.map(function (item) { return drop(item.key); })).then(function () {
        keepVersions({});
        keepVersionsIn(LINK_VERSIONS, {});
        return window.caches ? caches.keys().then(function (names) { // every app's pages: they were this user's
          return Promise.all(names.map(function (name) { return caches.delete(name); }));
        }) : null;
      }).then(leave, leave);
    }, leave);
  });

  document.addEventListener("change", function (event) {
    if (event.target.id !== "photos") return;
    var strip = document.getElementById("photo-preview");
    if (!strip) return;
    strip.querySelectorAll("img.chosen").forEach(function (img) { strip.removeChild(img); }); // chosen again
    Array.prototype.forEach.call(event.target.files, function (file) {
      var img = document.createElement("img");
      img.className = "chosen";
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      strip.appendChild(img);
    });
  });

  document.addEventListener("click", function (event) {
    if (event.target.id === "sync-now") sync();
  });

  /* The day's task pages for the offline cache, in one request, and only those that changed since the
     copy the tablet holds: each link carries its page's version (data-v); the versions cached are kept
     per user. A revisit with nothing changed costs no request at all. */
  var warming = window.AbortController ? new AbortController() : null;
  var VERSIONS = "propmgmt-field-pages";
  var LINK_VERSIONS = "propmgmt-offline-links"; // the inspector's (warmLinks)
  function versionsIn(name) { // url -> version of the pages this user's cache holds
    try { return JSON.parse(localStorage.getItem(name) || "{}")[me] || {}; } catch (e) { return {}; }
  }
  function keepVersionsIn(name, versions) {
    var all;
    try { all = JSON.parse(localStorage.getItem(name) || "{}"); } catch (e) { all = {}; }
    all[me] = versions;
    localStorage.setItem(name, JSON.stringify(all));
  }
  function cachedVersions() { return versionsIn(VERSIONS); }
  function keepVersions(versions) { keepVersionsIn(VERSIONS, versions); }
  function warmCache() {
    if (!navigator.onLine || !window.caches || !me) return;
    var links = Array.prototype.map.call(document.querySelectorAll("a.task-link[data-v]"), function (a) {
      return { url: new URL(a.href, location.href).pathname, v: a.getAttribute("data-v") };
    });
    var had = cachedVersions();
    var day = document.querySelector("[data-day]");
    var report = "/field/report";
    links.push({ url: report, v: day ? day.getAttribute("data-day") : "" }); // its list: the day's compounds
    caches.open("field-v1").then(function (cache) {
      return Promise.all(links.map(function (link) {
        if (had[link.url] !== link.v) return Promise.resolve(link);
        return cache.match(link.url).then(function (hit) { return hit ? null : link; }); // evicted meanwhile
      })).then(function (stale) {
        stale = stale.filter(Boolean);
        var versions = {};
        links.forEach(function (link) {
          if (had[link.url] === link.v) versions[link.url] = link.v;
        });
        if (!stale.length) return keepVersions(versions); // tasks no longer on the day are forgotten
        var ids = stale.filter(function (l) { return l.url !== report; }).map(function (l) { return l.url.split("/").pop(); });
        var wantReport = stale.some(function (l) { return l.url === report; });
        var address = "/field/pages?ids=" + ids.join(",") + (wantReport ? "&report=1" : "");
        return fetch(address, { credentials: "same-origin", signal: warming && warming.signal }).then(function (r) {
          if (!r.ok || r.redirected) return null;
          return r.json().then(function (data) {
            var pages = (data && data.pages) || {};
            return Promise.all(Object.keys(pages).map(function (url) {
              return cache.put(url, new Response(pages[url], { headers: { "Content-Type": "text/html; charset=utf-8" } }))
                .then(function () {
                  stale.forEach(function (l) { if (l.url === url) versions[url] = l.v; });
                });
            })).then(function () { keepVersions(versions); });
          });
        });
      });
    }).catch(function () {});
  }

  /* The inspector's pages for the offline cache: each link marked `offline-link` whose version (data-v)
     changed since the copy the phone holds, one request each (a short list: the compounds to check). */
  function warmLinks(cacheName) {
    if (!navigator.onLine || !window.caches || !me || !cacheName) return Promise.resolve();
    var links = Array.prototype.map.call(document.querySelectorAll("a.offline-link[data-v]"), function (a) {
      var url = new URL(a.href, location.href);
      return { url: url.pathname + url.search, v: a.getAttribute("data-v") };
    });
    if (!links.length) return Promise.resolve();
    var had = versionsIn(LINK_VERSIONS), versions = {};
    return caches.open(cacheName).then(function (cache) {
      return Promise.all(links.map(function (link) {
        return (had[link.url] === link.v ? cache.match(link.url) : Promise.resolve(null)).then(function (hit) {
          if (hit) { versions[link.url] = link.v; return; }
          return fetch(link.url, { credentials: "same-origin", signal: warming && warming.signal }).then(function (r) {
            if (!r.ok || r.redirected) return;
            return cache.put(link.url, r).then(function () { versions[link.url] = link.v; });
          });
        });
      })).then(function () { keepVersionsIn(LINK_VERSIONS, versions); });
    }).catch(function () {});
  }

  window.addEventListener("online", sync);
  window.addEventListener("offline", function () { queued().then(function (items) { render(items); }); });
  var worker = document.querySelector('meta[name="offline-worker"]'); // this app's (offline/queue.html)
  if (worker && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(worker.content, { scope: worker.getAttribute("data-scope") }).catch(function () {});
  }
  queued().then(function (items) { render(items); }).then(sync).then(function () {
    if (location.pathname === "/field") warmCache();
    else warmLinks(worker && worker.getAttribute("data-cache"));
  });
  setInterval(sync, 30000);
})();
