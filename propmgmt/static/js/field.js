/* The field app on the tablet: actions are queued on the device (IndexedDB) with an idempotency
   key and sent when there is a connection; the server applies each key once. Photos are made
   smaller here before upload. Nothing is dropped silently: refusals are listed until dismissed. */
(function () {
  "use strict";

  var DB_NAME = "propmgmt-field";
  var STORE = "queue";
  var CONFLICTS = "propmgmt-field-conflicts";
  var MAX_SIDE = 1600;

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

  function queued() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.createdAt < b.createdAt ? -1 : 1; });
    });
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

  function conflicts() {
    try { return JSON.parse(localStorage.getItem(CONFLICTS) || "[]"); } catch (e) { return []; }
  }
  function addConflict(item, message) {
    var list = conflicts();
    list.push({ key: item.key, label: item.label, message: message });
    localStorage.setItem(CONFLICTS, JSON.stringify(list));
  }

  function showConflicts() {
    var box = document.getElementById("conflicts");
    if (!box) return;
    box.textContent = "";
    conflicts().forEach(function (c) {
      var li = document.createElement("li");
      li.className = "flash flash-error";
      li.textContent = (c.label ? c.label + "：" : "") + c.message + " ";
      var ok = document.createElement("button");
      ok.type = "button";
      ok.textContent = "知道了";
      ok.addEventListener("click", function () {
        localStorage.setItem(CONFLICTS, JSON.stringify(conflicts().filter(function (x) { return x.key !== c.key; })));
        showConflicts();
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
      var kind = pending[el.getAttribute("data-task-id")];
      var badge = el.querySelector(".pending-sync");
      if (badge) badge.hidden = !kind;
      var status = el.querySelector(".task-status");
      if (kind && status) status.textContent = kind === "complete" ? "已完成（待同步）" : "进行中（待同步）";
      if (kind === "complete") {
        el.classList.add("status-done");
        el.classList.remove("overdue");
        var late = el.querySelector(".overdue-mark");
        if (late) late.hidden = true;
      }
    });
    showConflicts();
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
            if (outcome === "login") { note = "请重新登录后自动同步"; return false; }
            return outcome !== "retry";
          });
        });
      });
      return chain;
    }).then(function () { return queued(); }).then(function (left) {
      syncing = false;
      render(left, left.length && note ? note : "");
    }, function () { syncing = false; });
  }

  function send(item) {
    var body = new FormData();
    item.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.append("key", item.key);
    body.append("device_time", item.deviceTime);
    if (item.kind === "complete") body.append("offline", item.offline ? "1" : "0");
    item.photos.forEach(function (blob, i) { body.append("photos", blob, "photo-" + (i + 1) + ".jpg"); });
    return fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() || item.csrf, "X-Idempotency-Key": item.key }
    }).then(function (response) {
      if (response.redirected && new URL(response.url).pathname === "/login") return "login";
      if (response.ok) return drop(item.key).then(function () { return "sent"; });
      return response.json().catch(function () { return {}; }).then(function (data) {
        var error = (data && data.error) || {};
        if (error.code === "csrf_expired") return "login";
        if (response.status >= 500 || response.status === 429 || response.status === 408) return "retry";
        addConflict(item, error.message || ("服务器拒绝了这条记录（" + response.status + "）"));
        return drop(item.key).then(function () { return "refused"; });
      });
    }, function () {
      item.offline = true;
      return save(item).then(function () { return "retry"; });
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
    var input = form.querySelector('input[type="file"]');
    var files = input ? Array.prototype.slice.call(input.files) : [];
    var title = document.querySelector("h1");
    return Promise.all(files.map(downscale)).then(function (photos) {
      var item = {
        key: newKey(), kind: kind, url: form.action, taskId: form.getAttribute("data-task-id"),
        label: title ? title.textContent.trim() : "", fields: fields, photos: photos,
        deviceTime: new Date().toISOString(), createdAt: Date.now(), csrf: csrfToken(), offline: !navigator.onLine
      };
      return save(item);
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("js-queue") || !window.indexedDB) return;
    event.preventDefault();
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    queue(form).then(sync).then(function () {
      if (form.getAttribute("data-kind") === "start") { location.reload(); return; }
      location.href = "/field";
    }, function () {
      if (button) button.disabled = false;
      render([], "本机无法保存这条记录，请重试");
    });
  });

  document.addEventListener("change", function (event) {
    if (event.target.id !== "photos") return;
    var strip = document.getElementById("photo-preview");
    if (!strip) return;
    Array.prototype.forEach.call(event.target.files, function (file) {
      var img = document.createElement("img");
      img.alt = file.name;
      img.src = URL.createObjectURL(file);
      strip.appendChild(img);
    });
  });

  document.addEventListener("click", function (event) {
    if (event.target.id === "sync-now") sync();
  });

  function warmCache() {
    if (!navigator.onLine || !window.caches) return;
    var urls = Array.prototype.map.call(document.querySelectorAll("a.task-link"), function (a) { return a.href; });
    urls.push("/field/report");
    caches.open("field-v1").then(function (cache) {
      urls.forEach(function (url) {
        fetch(url, { credentials: "same-origin" }).then(function (r) { if (r.ok && !r.redirected) cache.put(url, r); });
      });
    });
  }

  window.addEventListener("online", sync);
  window.addEventListener("offline", function () { queued().then(function (items) { render(items); }); });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/field/sw.js", { scope: "/field" }).catch(function () {});
  }
  queued().then(function (items) { render(items); }).then(sync).then(function () {
    if (location.pathname === "/field") warmCache();
  });
  setInterval(sync, 30000);
})();
