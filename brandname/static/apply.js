/* The Form 01 page: live name check (GET /api/v1/availability), length counters, and adding and
   removing name rows. No inline code (CSP). What the user typed is never changed here: a name
   that is too long stays as typed and the check says why. */
(function () {
  "use strict";
  var texts = document.getElementById("i18n");
  var lang = document.documentElement.lang;
  function t(key) { return texts ? (texts.getAttribute("data-" + key) || "") : key; }
  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }

  function show(status, kind, message) {
    status.className = "name-status " + kind;
    status.textContent = message;
  }

  function suggest(status, input, name) {
    /* "CÀ PHÊ" is refused for its diacritics; offer "CA PHE", applied only by a click */
    var p = document.createElement("span");
    p.className = "suggestion";
    p.appendChild(document.createTextNode(" " + t("suggest") + " "));
    var code = document.createElement("strong");
    code.textContent = name;
    p.appendChild(code);
    var use = document.createElement("button");
    use.type = "button";
    use.className = "link-button use-suggestion";
    use.textContent = t("use") + " " + name;
    use.addEventListener("click", function () {
      input.value = name;
      input.dispatchEvent(new Event("input"));
      input.focus();
    });
    p.appendChild(document.createTextNode(" "));
    p.appendChild(use);
    status.appendChild(p);
  }

  /* One warning in words, e.g. "Đọc giống tên đã đăng ký VINAPHONE." */
  function describe(w) {
    var text = t("w-" + w.kind) || w.kind;
    text = text.replace("%(name)s", w.name);
    if (w.category) { text = text.replace("%(category)s", t("c-" + w.category) || w.category); }
    return text;
  }

  function check(input) {
    var status = document.getElementById("status-" + input.id.replace(/^f-n-(\d+)-name$/, "$1"));
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
          if (data.suggestion) { suggest(status, input, data.suggestion); }
          return;
        }
        var warnings = data.warnings || [];
        var said = warnings.length ? " " + warnings.map(describe).join(" ") + " " + t("note") : "";
        if (data.registrable && !warnings.length) {
          show(status, "ok", t("free"));
        } else if (data.registrable) {
          show(status, "warn", t("free") + said);
        } else {
          show(status, "bad", (data.reason ? (lang === "en" ? data.reason_en : data.reason) : t("taken")) + said);
        }
      })
      .catch(function () { show(status, "", t("failed")); });
  }

  function watch(input) {
    var timer = null;
    input.addEventListener("input", function () {
      /* the server's message was about the value it received; the live check takes over */
      var served = document.getElementById(input.id + "-error");
      if (served) { served.parentNode.removeChild(served); }
      clearTimeout(timer);
      timer = setTimeout(function () { check(input); }, 250);
    });
    if (input.value && !document.getElementById(input.id + "-error")) { check(input); }
  }

  function count(field) {
    var limit = parseInt(field.getAttribute("data-limit"), 10);
    var out = field.parentNode.querySelector(".counter");
    if (!limit || !out) { return; }
    var n = field.value.trim().replace(/\s+/g, " ").length;  /* as the server counts it */
    var over = n - limit;
    out.textContent = fill(over > 0 ? t("over") : t("count"), {n: n, max: limit, over: over});
    out.className = "counter" + (over > 0 ? " over" : "");
  }

  function counters(root) {
    root.querySelectorAll("[data-limit]").forEach(function (field) {
      field.addEventListener("input", function () { count(field); });
      count(field);
    });
  }

  document.querySelectorAll(".name-input").forEach(watch);
  counters(document);

  var add = document.getElementById("add-row");
  var rows = document.getElementById("name-rows");
  if (!rows) { return; }

  /* rows are numbered by their place: n-<i>-field, status-<i>, "Tên định danh <i+1>" */
  function renumber() {
    var all = rows.querySelectorAll(".name-row");
    all.forEach(function (row, i) {
      row.setAttribute("data-index", i);
      row.querySelectorAll("[name],[id],[for],[aria-describedby],[data-counter-for]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby", "data-counter-for"].forEach(function (attr) {
          var v = el.getAttribute(attr);
          if (v) {
            el.setAttribute(attr, v.replace(/n-\d+-/g, "n-" + i + "-").replace(/status-\d+/g, "status-" + i));
          }
        });
      });
      var no = row.querySelector(".row-no");
      if (no) { no.textContent = i + 1; }
      var remove = row.querySelector(".remove-row");
      if (remove) { remove.value = i; remove.hidden = all.length < 2; }
    });
  }

  rows.addEventListener("click", function (e) {
    var button = e.target.closest ? e.target.closest(".remove-row") : null;
    if (!button) { return; }
    e.preventDefault();  /* removed here, so the files already chosen stay chosen */
    var row = button.closest(".name-row");
    if (rows.querySelectorAll(".name-row").length < 2) { return; }
    var next = row.nextElementSibling || row.previousElementSibling;
    row.parentNode.removeChild(row);
    renumber();
    var focus = next && next.querySelector(".name-input");
    if (focus) { focus.focus(); }
  });

  if (add) {
    add.hidden = false;
    add.addEventListener("click", function () {
      var all = rows.querySelectorAll(".name-row");
      var copy = all[all.length - 1].cloneNode(true);
      copy.querySelectorAll(".field-error, .older-carriers").forEach(function (el) { el.parentNode.removeChild(el); });
      copy.querySelectorAll(".has-error").forEach(function (el) { el.classList.remove("has-error"); });
      copy.querySelectorAll("input, textarea").forEach(function (el) {
        el.removeAttribute("required");  /* an added row may stay empty */
        el.removeAttribute("aria-invalid");
        if (el.type === "checkbox") { el.checked = el.name.slice(-7) === "use_sms"; }
        else if (el.type !== "submit" && el.type !== "button") { el.value = ""; }
      });
      copy.querySelectorAll("[aria-describedby]").forEach(function (el) {
        el.setAttribute("aria-describedby", el.getAttribute("aria-describedby").split(" ")[0]);
      });
      var st = copy.querySelector(".name-status");
      if (st) { st.textContent = ""; st.className = "name-status"; }
      rows.appendChild(copy);
      renumber();
      counters(copy);
      var input = copy.querySelector(".name-input");
      if (input) { watch(input); input.focus(); }
    });
  }
})();
