/* Live name check (GET /api/v1/availability) and "add a name" for the Form 01 page. No inline code. */
(function () {
  "use strict";
  var texts = document.getElementById("i18n");
  var lang = document.documentElement.lang;
  function t(key) { return texts ? texts.getAttribute("data-" + key) : key; }

  function show(status, kind, message) {
    status.className = "name-status " + kind;
    status.textContent = message;
  }

  /* One warning in words, e.g. "Đọc giống tên đã đăng ký VINAPHONE." */
  function describe(w) {
    var text = t("w-" + w.kind) || w.kind;
    text = text.replace("%(name)s", w.name);
    if (w.category) { text = text.replace("%(category)s", t("c-" + w.category) || w.category); }
    return text;
  }

  function check(input) {
    var status = document.getElementById(input.getAttribute("aria-describedby"));
    var value = input.value;
    if (!status) { return; }
    if (!value) { show(status, "", ""); return; }
    show(status, "checking", t("checking"));
    fetch("/api/v1/availability?name=" + encodeURIComponent(value), {headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (input.value !== value) { return; }
        if (!data.valid) {
          var errs = (data.errors || []).map(function (e) { return lang === "en" ? e.message_en : e.message; });
          show(status, "bad", t("invalid") + " " + errs.join("; "));
          return;
        }
        var msg = data.available ? t("free") : t("taken");
        var warnings = data.warnings || [];
        if (warnings.length) {
          msg += " " + warnings.map(describe).join(" ") + " " + t("note");
          show(status, data.available ? "warn" : "bad", msg);
        } else {
          show(status, data.available ? "ok" : "bad", msg);
        }
      })
      .catch(function () { show(status, "", t("failed")); });
  }

  function watch(input) {
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { check(input); }, 250);
    });
    if (input.value) { check(input); }
  }

  document.querySelectorAll(".name-input").forEach(watch);

  var add = document.getElementById("add-row");
  var rows = document.getElementById("name-rows");
  if (add && rows) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var all = rows.querySelectorAll(".name-row");
      var last = all[all.length - 1];
      var next = all.length;
      var copy = last.cloneNode(true);
      copy.setAttribute("data-index", next);
      copy.querySelectorAll("[name],[id],[for],[aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) { el.setAttribute(attr, v.replace(/n-\d+-/, "n-" + next + "-").replace(/^status-\d+$/, "status-" + next)); }
        });
        el.removeAttribute("required");  /* an added row may stay empty */
        if (el.tagName === "INPUT" && el.type !== "checkbox") { el.value = ""; }
        if (el.tagName === "TEXTAREA") { el.value = ""; }
        if (el.type === "checkbox") { el.checked = el.name.slice(-7) === "use_sms"; }
      });
      var no = copy.querySelector(".row-no");
      if (no) { no.textContent = next + 1; }
      var st = copy.querySelector(".name-status");
      if (st) { st.textContent = ""; st.className = "name-status"; }
      rows.appendChild(copy);
      var input = copy.querySelector(".name-input");
      if (input) { watch(input); input.focus(); }
    });
  }
})();
