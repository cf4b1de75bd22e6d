/* daoshi edit: drafts in this browser and on the server, live preview, safe keys.
   No library, nothing loaded from elsewhere: the editor works on a school intranet. */
(function () {
  "use strict";
  var PREFIX = "daoshi-editor:";

  function store(key, value) {
    try {
      if (value === null) { localStorage.removeItem(key); } else { localStorage.setItem(key, JSON.stringify(value)); }
    } catch (e) { /* private mode or full: the server draft still holds the text */ }
  }
  function load(key) {
    try { return JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function pairs(form) {
    var out = [];
    new FormData(form).forEach(function (v, k) { if (typeof v === "string") { out.push([k, v]); } });
    return out;
  }
  function post(url, data, csrf) {
    var body = new URLSearchParams();
    data.forEach(function (p) { body.append(p[0], p[1]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Daoshi-CSRF": csrf }
    }).then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r; });
  }
  function fill(form, data) {
    var seen = {};
    data.forEach(function (p) {
      var name = p[0], value = p[1];
      if (name === "csrf") { return; }
      var els = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
      els.forEach(function (el) {
        if (el.type === "checkbox") {
          if (!seen[name]) { form.querySelectorAll("[name='" + name + "']").forEach(function (c) { c.checked = false; }); }
          if (el.value === value) { el.checked = true; }
        } else if (el.type !== "hidden" && el.type !== "submit") {
          el.value = value;
        }
      });
      seen[name] = true;
    });
  }

  function editorForm(form) {
    var key = PREFIX + form.dataset.teacher + ":" + form.dataset.draft;
    var csrf = form.querySelector("[name=csrf]").value;
    var status = document.getElementById("status");
    var body = document.getElementById("body");
    var preview = document.getElementById("preview");
    var timer = null, previewTimer = null, composing = false, dirty = false;

    function say(text) { if (status) { status.textContent = text; } }

    var local = load(key);
    if (local && local.t > Number(form.dataset.updated || 0) + 1000) {
      var bar = document.createElement("div");
      bar.className = "done";
      bar.setAttribute("role", "status");
      bar.innerHTML = "<p>本机浏览器里有这份记录更新的内容（可能上次没能交给服务器）。</p>";
      var restore = document.createElement("button");
      restore.type = "button";
      restore.textContent = "恢复本机的内容";
      restore.addEventListener("click", function () { fill(form, local.data); bar.remove(); changed(); body.focus(); });
      bar.appendChild(restore);
      form.parentNode.insertBefore(bar, form);
    }

    function autosave() {
      timer = null;
      post("/autosave", pairs(form), csrf).then(function (r) { return r.json(); }).then(function (j) {
        dirty = false;
        say("草稿已自动保存（" + j.saved + "）");
      }).catch(function () {
        say("暂时连不上服务器，内容保存在本机浏览器中");
      });
    }
    function refreshPreview() {
      previewTimer = null;
      post("/preview", [["body", body.value]], csrf).then(function (r) { return r.text(); }).then(function (html) {
        preview.innerHTML = html; /* sanitized by the server, as on the site */
      }).catch(function () { /* keep the last preview */ });
    }
    function changed() {
      dirty = true;
      store(key, { t: Date.now(), data: pairs(form), kind: form.querySelector("[name=kind]").value });
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(autosave, 1500);
    }
    form.addEventListener("input", function (e) {
      changed();
      if (e.target === body) {
        if (previewTimer) { clearTimeout(previewTimer); }
        previewTimer = setTimeout(refreshPreview, 400);
      }
    });
    form.addEventListener("change", changed);
    form.addEventListener("compositionstart", function () { composing = true; });
    form.addEventListener("compositionend", function () { composing = false; });
    form.addEventListener("keydown", function (e) {
      if (e.key !== "Enter") { return; }
      /* an IME confirms its candidate with Enter: never act on it */
      if (e.isComposing || composing || e.keyCode === 229) { return; }
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault();
        var save = document.getElementById("save");
        if (form.requestSubmit) { form.requestSubmit(save); } else { save.click(); }
        return;
      }
      var t = e.target;
      if (t.tagName === "INPUT" && t.type !== "submit" && t.type !== "checkbox") {
        e.preventDefault(); /* Enter in a one-line field does not send the form */
      }
    });
    form.addEventListener("submit", function () {
      /* the save itself carries the text: no autosave may race it and revive the draft */
      if (timer) { clearTimeout(timer); timer = null; }
      dirty = false;
      store(key, { t: Date.now(), data: pairs(form), kind: form.querySelector("[name=kind]").value });
    });
    window.addEventListener("beforeunload", function () {
      if (dirty && timer) { clearTimeout(timer); navigator.sendBeacon && sendBeacon(); }
    });
    function sendBeacon() {
      var data = new FormData(form);
      navigator.sendBeacon("/autosave", data);
    }
    var problems = document.getElementById("problems");
    if (problems) { problems.focus(); }
  }

  function homePage() {
    var saved = document.getElementById("saved");
    var panel = document.getElementById("local-drafts");
    if (!panel) { return; }
    var teacher = panel.dataset.teacher, csrf = panel.dataset.csrf;
    var prefix = PREFIX + teacher + ":";
    var known = {};
    document.querySelectorAll("[data-draft]").forEach(function (el) { known[el.dataset.draft] = true; });
    var keys = [];
    try {
      for (var i = 0; i < localStorage.length; i++) { keys.push(localStorage.key(i)); }
    } catch (e) { return; }
    document.querySelectorAll("form[action^='/discard/']").forEach(function (f) {
      f.addEventListener("submit", function () { store(prefix + f.action.split("/").pop(), null); });
    });
    var savedDraft = saved ? new URLSearchParams(location.search).get("draft") : null;
    keys.forEach(function (k) {
      if (!k || k.indexOf(prefix) !== 0) { return; }
      var id = k.slice(prefix.length);
      if (id === savedDraft) { store(k, null); return; }
      if (known[id]) { return; }
      var entry = load(k);
      if (!entry || !entry.data) { return; }
      var body = "";
      entry.data.forEach(function (p) { if (p[0] === "body") { body = p[1]; } });
      var li = document.createElement("li");
      li.textContent = new Date(entry.t).toLocaleString("zh-CN") + "：" + (body.slice(0, 40) || "（正文为空）") + " ";
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = "恢复";
      button.addEventListener("click", function () {
        var data = entry.data.filter(function (p) { return p[0] !== "csrf"; });
        post("/autosave", data, csrf).then(function () { location.href = "/draft/" + id; })
          .catch(function () { button.textContent = "恢复失败，请稍后再试"; });
      });
      var drop = document.createElement("button");
      drop.type = "button";
      drop.className = "link";
      drop.textContent = "丢弃";
      drop.addEventListener("click", function () { store(k, null); li.remove(); });
      li.appendChild(button);
      li.appendChild(drop);
      panel.querySelector("ul").appendChild(li);
      panel.hidden = false;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("record-form");
    if (form) { editorForm(form); } else { homePage(); }
  });
})();
