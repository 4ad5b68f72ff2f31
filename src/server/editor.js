// missions-kg: enhances the query page's textarea with YASQE (vendored, see
// vendor/README.md). Without this script, or if YASQE fails to load, the
// plain textarea and its form keep working: the server runs the query and
// renders the results. The editor only writes the query back into the
// textarea before the form is sent, so the server sees exactly what a
// script-less browser would send.
(function () {
  "use strict";
  var area = document.getElementById("query-text");
  var lib = window.Yasqe;
  if (!area || !lib) return;
  var Yasqe = lib.default || lib.Yasqe || lib;
  if (typeof Yasqe !== "function" || !Yasqe.Autocompleters) return;

  // What the server says the graph has: its predeclared prefixes, and
  // every property and class it uses (full IRIs).
  var terms = { prefixes: {}, properties: [], classes: [] };
  try {
    terms = JSON.parse(area.getAttribute("data-terms") || "{}");
  } catch (e) {}
  var ours = [];
  for (var name in terms.prefixes || {}) ours.push(name + ": <" + terms.prefixes[name] + ">");

  // YASQE's own completers ask the network (LOV for properties and
  // classes); these complete from the graph instead, and the prefixes from
  // the graph's own first, then YASQE's bundled list. Nothing is fetched
  // and nothing is kept in local storage.
  var completers = [];
  var fork = function (from, name, changes) {
    if (!Yasqe.Autocompleters[from]) return;
    changes.name = name;
    changes.persistenceId = null;
    Yasqe.forkAutocompleter(from, changes, false);
    completers.push(name);
  };
  var bundled = Yasqe.Autocompleters.prefixes;
  fork("prefixes", "graph-prefixes", {
    get: function (yasqe) {
      return Promise.resolve(bundled.get(yasqe)).then(function (list) {
        return ours.concat(list.filter(function (p) { return ours.indexOf(p) < 0; }));
      });
    },
  });
  fork("property", "graph-properties", { bulk: true, get: terms.properties || [] });
  fork("class", "graph-classes", { bulk: true, get: terms.classes || [] });
  if (Yasqe.Autocompleters.variables) completers.push("variables");

  // Entities by name: a word typed where a term goes, or a name after
  // `mkd:`, is looked up as the search box looks it up (labels, other
  // labels and descriptions; accents, case and typos forgiven), on this
  // server only. The list shows each entity's label and class; choosing
  // one writes its prefixed name.
  var keyword = /^(select|construct|describe|ask|where|filter|optional|prefix|base|from|named|graph|union|minus|order|group|by|limit|offset|distinct|reduced|bind|values|service|as|having|not|exists|in|true|false|asc|desc|count|sum|min|max|avg|sample|a)$/i;
  var shown = {};
  var asked = 0;
  var pending = Promise.resolve();
  var lookup = function (token) {
    var text = token.string || "";
    if (text.indexOf("mkd:") === 0) text = text.slice(4).replace(/[-_]/g, " ");
    return text;
  };
  if (window.fetch && window.URLSearchParams) {
    Yasqe.registerAutocompleter(
      {
        name: "graph-entities",
        bulk: false,
        autoShow: true,
        persistenceId: null,
        isValidCompletionPosition: function (yasqe) {
          var token = yasqe.getCompleteToken();
          var text = token.string || "";
          if (/^mkd:[^\s]{2,}$/.test(text)) return true;
          return /^[A-Za-z\u00C0-\u024F][A-Za-z0-9\u00C0-\u024F-]{2,}$/.test(text) && !keyword.test(text);
        },
        get: function (yasqe, token) {
          // One lookup at a time, for the word as it stands once typing
          // pauses: the server gives each client a share of its query
          // slots, and a lookup per key would take them all.
          var ask = ++asked;
          var run = function () {
            if (ask !== asked) return { results: [] };
            var params = new URLSearchParams({ q: lookup(token), format: "json", lang: document.documentElement.lang || "en" });
            return fetch("/search?" + params.toString(), { headers: { Accept: "application/json" } })
              .then(function (reply) { return reply.ok ? reply.json() : { results: [] }; });
          };
          var pause = new Promise(function (done) { setTimeout(done, 150); });
          var next = Promise.all([pending, pause]).then(run, run);
          pending = next.catch(function () {});
          return next
            .then(function (answer) {
              return (answer.results || []).map(function (found) {
                var classes = (found.classes || []).join(", ");
                shown[found.name] = (found.label || found.name) + (classes ? " (" + classes + ")" : "") + " \u2014 " + found.name;
                return found.name;
              });
            })
            .catch(function () { return []; });
        },
        postprocessHints: function (yasqe, hints) {
          return hints.map(function (hint) {
            if (shown[hint.text]) hint.displayText = shown[hint.text];
            return hint;
          });
        },
      },
      false
    );
    completers.push("graph-entities");
  }

  // The server declares these prefixes for every query: the editor's
  // syntax check starts knowing them, so `mk:` without a PREFIX line is
  // not marked "Prefix 'mk' is not defined". Each parse starts from the
  // mode's startState, wrapped here before any editor is made.
  var factory = Yasqe.modes && Yasqe.modes.sparql11;
  if (typeof factory === "function") {
    Yasqe.modes.sparql11 = function () {
      var mode = factory.apply(this, arguments);
      var start = mode.startState;
      mode.startState = function () {
        var state = start.apply(this, arguments);
        for (var name in terms.prefixes || {}) {
          if (state.prefixes && state.prefixes[name] === undefined) state.prefixes[name] = terms.prefixes[name];
        }
        return state;
      };
      return mode;
    };
    for (var key in factory) Yasqe.modes.sparql11[key] = factory[key];
  }
  // Set on the defaults, not passed in the options: YASQE merges arrays
  // of options index by index, which would keep the network completers.
  Yasqe.defaults.autocompleters = completers;

  var form = area.form;
  var holder = document.createElement("div");
  holder.className = "editor-enhanced";
  area.parentNode.insertBefore(holder, area);
  var yasqe;
  var submit = function () {
    area.value = yasqe.getValue();
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
  };
  yasqe = new Yasqe(holder, {
    value: area.value,
    // No local storage, no share links (the page has its permalink): the
    // form runs the query and the server answers.
    persistenceId: null,
    consumeShareLink: null,
    createShareableLink: null,
    showQueryButton: false,
    prefixCcApi: null,
    editorHeight: "18em",
    resizeable: true,
    extraKeys: { "Ctrl-Enter": submit, "Cmd-Enter": submit },
  });
  // The editor's own input is a hidden textarea: it gets the label and
  // the keyboard hint of the one it replaces.
  var input = yasqe.getInputField && yasqe.getInputField();
  if (input) {
    var label = document.querySelector("label[for=query-text]");
    if (label) input.setAttribute("aria-label", label.textContent);
    input.setAttribute("aria-describedby", "editor-hint");
  }
  area.hidden = true;
  form.addEventListener("submit", function () {
    area.value = yasqe.getValue();
  });
})();
