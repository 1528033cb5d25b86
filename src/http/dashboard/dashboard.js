// The dashboard: reads the hub's GraphQL API with a `stats:read` token and shows its
// aggregates as tables and charts. It shows the counts exactly as the API discloses
// them (`display`, with the flags marked) and never derives a figure from a suppressed
// one. Every number it shows carries `data-figure`, `data-key` and `data-value` (the
// API's value; empty when the API gave none), so a test can compare them with the API.
(function () {
  'use strict';
  var NS = window.KnotenpunktDashboard;
  var STRINGS = NS.strings;
  var charts = NS.charts;
  var LANGS = ['de', 'en', 'sv'];
  var LOCALES = { de: 'de-DE', en: 'en-GB', sv: 'sv-SE' };
  var TOKEN_KEY = 'knotenpunkt.dashboard.token';
  var LANG_KEY = 'knotenpunkt.dashboard.lang';
  var DIMENSIONS = ['REGION', 'STATE', 'PROFESSION', 'COUNTRY_OF_TRAINING', 'ORIGIN', 'STATUS',
    'OUTCOME', 'MEASURE', 'AUTHORITY', 'YEAR', 'QUARTER'];
  var MARKS = { ROUNDED: '°', SUPPRESSED: '*', SECONDARY_SUPPRESSED: '†' };
  var LABELLED_ENUMS = ['CompensatoryMeasure', 'FunnelStage', 'StatisticsDimension', 'CellFlag'];
  var CHART_ROWS = 12;

  var body = document.body;
  var endpoint = new URL(body.dataset.endpoint, document.baseURI).href;
  var tokenEndpoint = new URL(body.dataset.tokenEndpoint, document.baseURI).href;
  var $ = function (id) { return document.getElementById(id); };
  var main = $('figures');

  var operatorToken = (document.querySelector('meta[name="knotenpunkt-dashboard-token"]') || {}).content || '';
  var state = {
    lang: initialLanguage(),
    token: operatorToken || sessionStorage.getItem(TOKEN_KEY) || '',
    source: operatorToken ? 'operator' : (sessionStorage.getItem(TOKEN_KEY) ? 'session' : null),
    notice: null,
    filters: { region: '', profession: '', from: '', to: '' },
    groupBy: ['PROFESSION', 'STATE'],
    options: {},
    generation: 0
  };

  function initialLanguage() {
    var asked = new URLSearchParams(location.search).get('lang');
    if (LANGS.indexOf(asked) >= 0) {
      return asked;
    }
    var stored = localStorage.getItem(LANG_KEY);
    if (LANGS.indexOf(stored) >= 0) {
      return stored;
    }
    var browser = (navigator.languages || [navigator.language || 'en'])
      .map(function (l) { return String(l).slice(0, 2).toLowerCase(); })
      .find(function (l) { return LANGS.indexOf(l) >= 0; });
    return browser || 'en';
  }

  // ---- words and numbers -------------------------------------------------------------

  function t(key, values) {
    var text = STRINGS[state.lang][key];
    if (text === undefined) {
      text = STRINGS.en[key];
    }
    return String(text).replace(/\{(\w+)\}/g, function (_, name) {
      return values && values[name] !== undefined ? values[name] : '';
    });
  }

  function labels() {
    return state.options[state.lang] ? state.options[state.lang].labels : {};
  }

  // An enum value's name in the chosen language, from the API's `labels`; the value
  // itself, made readable, where the API has none.
  function enumLabel(enumName, value) {
    var known = labels()[enumName];
    if (known && known[value]) {
      return known[value];
    }
    var words = String(value).toLowerCase().replace(/_/g, ' ');
    return words.charAt(0).toUpperCase() + words.slice(1);
  }

  function dimensionLabel(dimension) {
    var known = labels().StatisticsDimension;
    return (known && known[dimension]) || STRINGS[state.lang].dimensions[dimension] || dimension;
  }

  function number(n) {
    return new Intl.NumberFormat(LOCALES[state.lang]).format(n);
  }

  function percent(share) {
    return new Intl.NumberFormat(LOCALES[state.lang], { style: 'percent', maximumFractionDigits: 1 }).format(share);
  }

  function money(m) {
    return new Intl.NumberFormat(LOCALES[state.lang], {
      style: 'currency', currency: m.currency, minimumFractionDigits: 0, maximumFractionDigits: 2
    }).format(Number(m.amount));
  }

  function marks(flags) {
    return (flags || []).map(function (f) { return MARKS[f] || ''; }).join('');
  }

  // ---- DOM ---------------------------------------------------------------------------

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === undefined || value === null || value === false) {
        return;
      }
      if (name === 'className') {
        node.className = value;
      } else {
        node.setAttribute(name, value === true ? '' : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === 'string' || typeof child === 'number'
          ? document.createTextNode(String(child)) : child);
      }
    });
    return node;
  }

  // The attributes that tie a shown number to the API's answer.
  function figureAttrs(figure, key, value, display, flags) {
    var a = {
      'data-figure': figure,
      'data-key': key,
      'data-value': value === null || value === undefined ? '' : String(value)
    };
    if (display !== undefined) {
      a['data-display'] = display;
    }
    if (flags !== undefined) {
      a['data-flags'] = (flags || []).join(',');
    }
    return a;
  }

  // A disclosed count (`{count, display, flags}`) as a table cell: the API's text with
  // the marks of its flags.
  function countCell(figure, key, disclosed, extraClass) {
    var flags = disclosed.flags || [];
    var classes = ['num'].concat(flags.map(function (f) { return 'flag-' + f.toLowerCase().replace(/_/g, '-'); }));
    if (extraClass) {
      classes.push(extraClass);
    }
    var attrs = figureAttrs(figure, key, disclosed.count, disclosed.display, flags);
    attrs.className = classes.join(' ');
    var children = [disclosed.display];
    if (flags.length) {
      children.push(h('sup', { className: 'mark', title: flags.map(flagText).join('; ') }, [marks(flags)]));
    }
    return h('td', attrs, children);
  }

  function flagText(flag) {
    return { ROUNDED: t('markRounded'), SUPPRESSED: t('markSuppressed'), SECONDARY_SUPPRESSED: t('markSecondary') }[flag] || flag;
  }

  function valueCell(figure, key, value, text) {
    var attrs = figureAttrs(figure, key, value);
    attrs.className = 'num';
    return h('td', attrs, [value === null || value === undefined ? '–' : text]);
  }

  function table(headers, rows, options) {
    var head = h('tr', {}, headers.map(function (col) {
      return h('th', { scope: 'col', className: col.numeric ? 'num' : null }, [col.label]);
    }));
    var wrapper = h('div', { className: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': options.label }, [
      h('table', { className: 'figures' }, [
        h('caption', { className: 'visually-hidden' }, [options.label]),
        h('thead', {}, [head]),
        h('tbody', {}, rows)
      ])
    ]);
    return wrapper;
  }

  // A name that may wrap after its slashes ("Pflegefachfrau/Pflegefachmann").
  function breakable(text) {
    var parts = String(text).split('/');
    var out = [];
    parts.forEach(function (part, i) {
      out.push(i < parts.length - 1 ? part + '/' : part);
      if (i < parts.length - 1) {
        out.push(h('wbr'));
      }
    });
    return out;
  }

  function rowHeader(text) {
    return h('th', { scope: 'row' }, [text]);
  }

  function message(text, className) {
    return h('p', { className: className || 'message' }, [text]);
  }

  // ---- the API -----------------------------------------------------------------------

  function AuthError() {}

  // The hub's request budget for this token is spent for now (HTTP 429).
  function RateLimited(seconds) {
    this.seconds = seconds;
  }

  function gql(query, variables, anonymous) {
    var headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (!anonymous && state.token) {
      headers.authorization = 'Bearer ' + state.token;
    }
    return fetch(endpoint, {
      method: 'POST',
      headers: headers,
      body: JSON.stringify({ query: query, variables: variables || {} }),
      credentials: 'omit'
    }).then(function (response) {
      if (response.status === 401) {
        throw new AuthError();
      }
      if (response.status === 429) {
        var wait = parseInt(response.headers.get('retry-after'), 10);
        throw new RateLimited(Math.min(Math.max(isNaN(wait) ? 5 : wait, 1), 60));
      }
      return response.json().then(function (answer) {
        if (answer.errors && answer.errors.length) {
          var e = answer.errors[0];
          var code = e.extensions && e.extensions.code;
          throw new Error(code ? e.message + ' (' + code + ')' : e.message);
        }
        return answer.data;
      });
    });
  }

  var CELL = 'key { dimension value label } count display flags';
  var COUNT = 'count display flags';
  var CASE_FILTER_VARS = '$region: String, $profession: String, $from: Date, $to: Date';
  var CASE_FILTER = '{region: $region, profession: $profession, submittedFrom: $from, submittedTo: $to}';
  var QUERIES = {
    options: 'query DashboardOptions($lang: Lang!) { countries: regions(level: COUNTRY) { code label(lang: $lang) } ' +
      'states: regions(level: STATE) { code label(lang: $lang) parent { code } } professions { key label(lang: $lang) } }',
    labels: 'query DashboardLabels($lang: Lang!, $enums: [String!]) { labels(lang: $lang, enums: $enums) { enum value label } }',
    // Filters are scalar variables inside the argument, so the page does not depend on the
    // names of the API's input types.
    demand: 'query DashboardDemandGaps($region: String, $profession: String, $lang: Lang!) { ' +
      'demandGaps(filter: {region: $region, profession: $profession}) { ' +
      'region { code label(lang: $lang) } profession { key label(lang: $lang) } measure need { ' + COUNT + ' } seats offers gap } }',
    funnel: 'query DashboardFunnel(' + CASE_FILTER_VARS + ') { caseFunnel(filter: ' + CASE_FILTER + ') { ' +
      'stage count { ' + COUNT + ' } medianDaysFromPrevious } }',
    overdue: 'query DashboardOverdue(' + CASE_FILTER_VARS + ', $lang: Lang!) { ' +
      'statistics(groupBy: [AUTHORITY], filter: ' + CASE_FILTER + ', lang: $lang) { ' +
      'cells { ' + CELL + ' overdueShare } disclosure { description } } }',
    pooling: 'query DashboardPooling($profession: String, $lang: Lang!) { poolingSuggestions(filter: {profession: $profession}) { ' +
      'profession { key label(lang: $lang) } measure regions { code label(lang: $lang) } need { ' + COUNT + ' } ' +
      'providers { id name } fundingProgrammes { id name } } }',
    funding: 'query DashboardFunding($profession: String) { fundingProgrammes(first: 100, filter: {profession: $profession}) { ' +
      'nodes { id name year funder { name } ' +
      'budget { total { amount currency } committed { amount currency } paid { amount currency } remaining { amount currency } } } } }',
    statistics: 'query DashboardStatistics($groupBy: [StatisticsDimension!]!, ' + CASE_FILTER_VARS + ', $lang: Lang!) { ' +
      'statistics(groupBy: $groupBy, filter: ' + CASE_FILTER + ', lang: $lang) { groupBy cells { ' + CELL + ' } ' +
      'margins { dimension cells { ' + CELL + ' } } total { ' + CELL + ' } ' +
      'disclosure { method threshold roundingBase description } } }'
  };

  function langVar() {
    return state.lang.toUpperCase();
  }

  // The filters as variables; `null` where none is chosen.
  function filterVars(extra) {
    var f = state.filters;
    return Object.assign({
      region: f.region || null,
      profession: f.profession || null,
      from: f.from || null,
      to: f.to || null
    }, extra || {});
  }

  // ---- filter options ----------------------------------------------------------------

  function loadOptions() {
    var lang = state.lang;
    if (state.options[lang]) {
      return Promise.resolve(state.options[lang]);
    }
    var options = gql(QUERIES.options, { lang: langVar() }, true);
    // `labels` names enum values in every language; until a hub has it, the values
    // themselves are shown.
    var labelled = gql(QUERIES.labels, { lang: langVar(), enums: LABELLED_ENUMS }, true)
      .then(function (data) {
        var byEnum = {};
        data.labels.forEach(function (l) {
          (byEnum[l.enum] = byEnum[l.enum] || {})[l.value] = l.label;
        });
        return byEnum;
      }, function () { return {}; });
    return Promise.all([options, labelled]).then(function (both) {
      state.options[lang] = { regions: both[0], labels: both[1] };
      return state.options[lang];
    });
  }

  function fillSelect(select, groups, value) {
    select.replaceChildren();
    select.appendChild(h('option', { value: '' }, [t('all')]));
    groups.forEach(function (g) {
      var parent = g.label ? h('optgroup', { label: g.label }) : select;
      g.options.forEach(function (o) {
        parent.appendChild(h('option', { value: o.value }, [o.label]));
      });
      if (parent !== select) {
        select.appendChild(parent);
      }
    });
    select.value = value;
    if (select.value !== value) {
      select.value = '';
    }
  }

  function fillFilters(options) {
    var data = options.regions;
    var byLabel = function (a, b) { return a.label.localeCompare(b.label, LOCALES[state.lang]); };
    var groups = data.countries.slice().sort(byLabel).map(function (country) {
      var states = data.states.filter(function (s) { return s.parent && s.parent.code === country.code; }).sort(byLabel);
      return {
        label: country.label,
        options: [{ value: country.code, label: t('wholeCountry', { name: country.label }) }].concat(
          states.map(function (s) { return { value: s.code, label: s.label }; }))
      };
    });
    fillSelect($('f-region'), groups, state.filters.region);
    fillSelect($('f-profession'), [{
      options: data.professions.slice().sort(byLabel).map(function (p) { return { value: p.key, label: p.label }; })
    }], state.filters.profession);
  }

  function fillDimensions() {
    var rows = $('s-rows');
    var columns = $('s-columns');
    rows.replaceChildren();
    columns.replaceChildren(h('option', { value: '' }, [t('none')]));
    DIMENSIONS.forEach(function (d) {
      rows.appendChild(h('option', { value: d }, [dimensionLabel(d)]));
      columns.appendChild(h('option', { value: d }, [dimensionLabel(d)]));
    });
    rows.value = state.groupBy[0];
    columns.value = state.groupBy[1] || '';
  }

  function regionName(code) {
    var o = state.options[state.lang];
    if (!o) {
      return code;
    }
    var all = o.regions.countries.concat(o.regions.states);
    var found = all.find(function (r) { return r.code === code; });
    return found ? found.label : code;
  }

  function professionName(key) {
    var o = state.options[state.lang];
    var found = o && o.regions.professions.find(function (p) { return p.key === key; });
    return found ? found.label : key;
  }

  // Which filters a section applies, and which of the set ones it cannot.
  function appliesText(supported) {
    var f = state.filters;
    var set = [];
    var ignored = [];
    var add = function (name, isSet, text) {
      if (!isSet) {
        return;
      }
      (supported.indexOf(name) >= 0 ? set : ignored).push(text);
    };
    add('region', f.region, t('region') + ': ' + regionName(f.region));
    add('profession', f.profession, t('profession') + ': ' + professionName(f.profession));
    add('period', f.from || f.to, t('period') + ': ' + (f.from || '…') + ' – ' + (f.to || '…'));
    var text = t('appliesTo', { list: set.length ? set.join(', ') : t('appliesNone') });
    if (ignored.length) {
      text += ' · ' + t('notApplied', { list: ignored.join(', ') });
    }
    return text;
  }

  // ---- sections ----------------------------------------------------------------------

  var SECTIONS = {
    demand: {
      filters: ['region', 'profession'],
      load: function () {
        var f = state.filters;
        return gql(QUERIES.demand, { region: f.region || null, profession: f.profession || null, lang: langVar() });
      },
      render: renderDemand
    },
    funnel: {
      filters: ['region', 'profession', 'period'],
      load: function () { return gql(QUERIES.funnel, filterVars()); },
      render: renderFunnel
    },
    overdue: {
      filters: ['region', 'profession', 'period'],
      load: function () { return gql(QUERIES.overdue, filterVars({ lang: langVar() })); },
      render: renderOverdue
    },
    pooling: {
      filters: ['profession'],
      load: function () { return gql(QUERIES.pooling, { profession: state.filters.profession || null, lang: langVar() }); },
      render: renderPooling
    },
    funding: {
      filters: ['profession'],
      load: function () { return gql(QUERIES.funding, { profession: state.filters.profession || null }); },
      render: renderFunding
    },
    statistics: {
      filters: ['region', 'profession', 'period'],
      load: function () {
        return gql(QUERIES.statistics, filterVars({ groupBy: state.groupBy.slice(), lang: langVar() }));
      },
      render: renderStatistics
    }
  };

  function demandKey(g) {
    return g.region.code + '|' + g.profession.key + '|' + g.measure;
  }

  // What the API names by reference data it no longer has (`null`).
  var UNKNOWN = { code: '', key: '', label: '–' };

  function renderDemand(data) {
    var gaps = data.demandGaps.map(function (g) {
      return Object.assign({}, g, { region: g.region || UNKNOWN, profession: g.profession || UNKNOWN });
    });
    if (!gaps.length) {
      return [message(t('empty'))];
    }
    // Largest gaps first; a gap the API does not give (need suppressed) last.
    var ordered = gaps.slice().sort(function (a, b) {
      var ga = a.gap === null ? -Infinity : a.gap;
      var gb = b.gap === null ? -Infinity : b.gap;
      return gb - ga;
    });
    var rowLabel = function (g) {
      return [g.region.label + ' · ' + g.profession.label, enumLabel('CompensatoryMeasure', g.measure)];
    };
    var series = [
      { id: 'need', name: t('need'), className: 'series-need' },
      { id: 'seats', name: t('seats'), className: 'series-seats' }
    ];
    var shown = ordered.slice(0, CHART_ROWS);
    var chart = charts.bars({
      title: t('chartOf', { title: t('demandTitle') }),
      caption: t('demandChart', { n: CHART_ROWS }),
      series: series,
      rows: shown.map(function (g) {
        var key = demandKey(g);
        return {
          label: rowLabel(g),
          bars: [
            {
              series: 'need', value: g.need.count, text: g.need.display + marks(g.need.flags),
              attrs: figureAttrs('demand.need', key, g.need.count, g.need.display, g.need.flags)
            },
            { series: 'seats', value: g.seats, text: number(g.seats), attrs: figureAttrs('demand.seats', key, g.seats) }
          ]
        };
      })
    });
    var rows = ordered.map(function (g) {
      var key = demandKey(g);
      return h('tr', { 'data-key': key }, [
        h('th', { scope: 'row' }, [g.region.label, h('span', { className: 'sub' }, breakable(g.profession.label))]),
        h('td', {}, [enumLabel('CompensatoryMeasure', g.measure)]),
        countCell('demand.need', key, g.need),
        valueCell('demand.seats', key, g.seats, number(g.seats)),
        valueCell('demand.offers', key, g.offers, number(g.offers)),
        valueCell('demand.gap', key, g.gap, g.gap === null ? '' : number(g.gap))
      ]);
    });
    return [chart, table([
      { label: t('region') + ' · ' + t('profession') }, { label: t('measure') },
      { label: t('need'), numeric: true }, { label: t('seats'), numeric: true },
      { label: t('offers'), numeric: true }, { label: t('gap'), numeric: true }
    ], rows, { label: t('demandTitle') })];
  }

  function renderFunnel(data) {
    var steps = data.caseFunnel;
    if (!steps.length) {
      return [message(t('empty'))];
    }
    var chart = charts.funnel({
      title: t('chartOf', { title: t('funnelTitle') }),
      caption: '',
      steps: steps.map(function (s) {
        return {
          label: enumLabel('FunnelStage', s.stage),
          value: s.count.count,
          text: s.count.display + marks(s.count.flags),
          note: s.medianDaysFromPrevious === null ? null : t('days', { n: number(s.medianDaysFromPrevious) }),
          attrs: figureAttrs('funnel.count', s.stage, s.count.count, s.count.display, s.count.flags)
        };
      })
    });
    var rows = steps.map(function (s) {
      var median = s.medianDaysFromPrevious;
      return h('tr', { 'data-key': s.stage }, [
        rowHeader(enumLabel('FunnelStage', s.stage)),
        countCell('funnel.count', s.stage, s.count),
        valueCell('funnel.median', s.stage, median, median === null ? '' : t('days', { n: number(median) }))
      ]);
    });
    return [chart, table([
      { label: t('stage') }, { label: t('cases'), numeric: true }, { label: t('medianDays'), numeric: true }
    ], rows, { label: t('funnelTitle') })];
  }

  function cellKey(cell) {
    return cell.key.map(function (k) { return k.dimension + '=' + k.value; }).join('|');
  }

  function renderOverdue(data) {
    var stats = data.statistics;
    showDisclosure(stats.disclosure);
    var cells = stats.cells;
    if (!cells.length) {
      return [message(t('empty'))];
    }
    var name = function (c) { return c.key.map(function (k) { return k.label; }).join(' · '); };
    var shareText = function (c) {
      return c.overdueShare === null || c.overdueShare === undefined ? c.display + marks(c.flags) : percent(c.overdueShare);
    };
    var ordered = cells.slice().sort(function (a, b) {
      var sa = a.overdueShare === null ? -1 : a.overdueShare;
      var sb = b.overdueShare === null ? -1 : b.overdueShare;
      return sb - sa;
    });
    var chart = charts.bars({
      title: t('chartOf', { title: t('overdueTitle') }),
      caption: '',
      series: [{ id: 'share', name: t('overdueShare'), className: 'series-overdue' }],
      max: 1,
      rows: ordered.map(function (c) {
        var share = c.overdueShare === undefined ? null : c.overdueShare;
        // "Body – its department" on two lines.
        var parts = name(c).split(' – ');
        return {
          label: parts.length > 1 ? [parts[0], parts.slice(1).join(' – ')] : parts[0],
          bars: [{ series: 'share', value: share, text: shareText(c), attrs: figureAttrs('overdue.share', cellKey(c), share) }]
        };
      })
    });
    var rows = ordered.map(function (c) {
      var key = cellKey(c);
      var share = c.overdueShare === undefined ? null : c.overdueShare;
      return h('tr', { 'data-key': key }, [
        rowHeader(name(c)),
        countCell('overdue.count', key, c),
        valueCell('overdue.share', key, share, share === null ? '' : percent(share))
      ]);
    });
    return [chart, table([
      { label: t('authority') }, { label: t('cases'), numeric: true }, { label: t('overdueShare'), numeric: true }
    ], rows, { label: t('overdueTitle') })];
  }

  function poolingKey(p) {
    return p.profession.key + '|' + p.measure + '|' + p.regions.map(function (r) { return r.code; }).join(',');
  }

  function list(items) {
    if (!items.length) {
      return '–';
    }
    return h('ul', { className: 'plain' }, items.map(function (i) { return h('li', {}, [i]); }));
  }

  function renderPooling(data) {
    var suggestions = data.poolingSuggestions.map(function (p) {
      return Object.assign({}, p, { profession: p.profession || UNKNOWN });
    });
    if (!suggestions.length) {
      return [message(t('empty'))];
    }
    var rows = suggestions.map(function (p) {
      var key = poolingKey(p);
      return h('tr', { 'data-key': key }, [
        rowHeader(p.profession.label),
        h('td', {}, [enumLabel('CompensatoryMeasure', p.measure)]),
        h('td', {}, [list(p.regions.map(function (r) { return r.label; }))]),
        countCell('pooling.need', key, p.need),
        h('td', {}, [list(p.providers.map(function (o) { return o.name; }))]),
        h('td', {}, [list(p.fundingProgrammes.map(function (f) { return f.name; }))])
      ]);
    });
    return [table([
      { label: t('profession') }, { label: t('measure') }, { label: t('regions') }, { label: t('need'), numeric: true },
      { label: t('providers') }, { label: t('programmes') }
    ], rows, { label: t('poolingTitle') })];
  }

  function renderFunding(data) {
    var programmes = data.fundingProgrammes.nodes;
    if (!programmes.length) {
      return [message(t('noProgrammes'))];
    }
    var shared = programmes.filter(function (p) { return p.budget; });
    var hidden = programmes.filter(function (p) { return !p.budget; });
    var out = [];
    var title = function (p) { return p.name + ' (' + p.year + ')'; };
    if (shared.length) {
      var series = [
        { id: 'paid', name: t('paid'), className: 'series-paid' },
        { id: 'open', name: t('committedOpen'), className: 'series-committed' },
        { id: 'remaining', name: t('remaining'), className: 'series-remaining' }
      ];
      out.push(charts.stacked({
        title: t('chartOf', { title: t('fundingTitle') }),
        caption: '',
        series: series,
        rows: shared.map(function (p) {
          var b = p.budget;
          var paid = Number(b.paid.amount);
          var committed = Number(b.committed.amount);
          return {
            label: title(p),
            total: Number(b.total.amount),
            text: t('committed') + ' ' + money(b.committed) + ' / ' + money(b.total),
            segments: [
              { series: 'paid', value: paid, text: money(b.paid), attrs: figureAttrs('funding.paid', p.id, b.paid.amount) },
              // What is granted and not yet paid: the part of `committed` beyond `paid`.
              { series: 'open', value: committed - paid, text: money({ amount: committed - paid, currency: b.committed.currency }) },
              {
                series: 'remaining', value: Number(b.remaining.amount), text: money(b.remaining),
                attrs: figureAttrs('funding.remaining', p.id, b.remaining.amount)
              }
            ]
          };
        })
      }));
      var moneyCell = function (figure, p, m) {
        var attrs = figureAttrs(figure, p.id, m.amount);
        attrs['data-currency'] = m.currency;
        attrs.className = 'num';
        return h('td', attrs, [money(m)]);
      };
      out.push(table([
        { label: t('programme') }, { label: t('total'), numeric: true }, { label: t('committed'), numeric: true },
        { label: t('paid'), numeric: true }, { label: t('remaining'), numeric: true }
      ], shared.map(function (p) {
        return h('tr', { 'data-key': p.id }, [
          rowHeader(title(p) + (p.funder ? ' — ' + p.funder.name : '')),
          moneyCell('funding.total', p, p.budget.total),
          moneyCell('funding.committed', p, p.budget.committed),
          moneyCell('funding.paid', p, p.budget.paid),
          moneyCell('funding.remaining', p, p.budget.remaining)
        ]);
      }), { label: t('fundingTitle') }));
    }
    if (hidden.length) {
      out.push(h('details', { className: 'not-shared' }, [
        h('summary', {}, [t('notSharedList') + ' ' + hidden.length]),
        h('ul', { className: 'plain' }, hidden.map(function (p) {
          return h('li', { 'data-programme': p.id }, [title(p) + (p.funder ? ' — ' + p.funder.name : '') + ': ' + t('notShared')]);
        }))
      ]));
    }
    return out;
  }

  function renderStatistics(data) {
    var stats = data.statistics;
    var section = $('statistics');
    section.setAttribute('data-group-by', stats.groupBy.join(','));
    showDisclosure(stats.disclosure);
    var note = h('p', { className: 'note', 'data-disclosure-method': stats.disclosure.method },
      [t('disclosure', { description: stats.disclosure.description })]);
    var total = stats.total;
    var totalCell = function () { return countCell('stats.total', '*', total, 'total'); };
    if (!stats.cells.length) {
      return [message(t('empty')), note];
    }
    var dims = stats.groupBy;
    var keyOf = function (cell, dim) { return cell.key.find(function (k) { return k.dimension === dim; }); };
    if (dims.length === 1) {
      var rows = stats.cells.map(function (c) {
        return h('tr', { 'data-key': cellKey(c) }, [
          rowHeader(keyOf(c, dims[0]).label),
          countCell('stats.cell', cellKey(c), c)
        ]);
      });
      rows.push(h('tr', { className: 'total-row' }, [rowHeader(t('total')), totalCell()]));
      var out = [table([{ label: dimensionLabel(dims[0]) }, { label: t('cases'), numeric: true }], rows,
        { label: t('statisticsTitle') })];
      if (stats.cells.length <= 2 * CHART_ROWS) {
        out.unshift(charts.bars({
          title: t('chartOf', { title: dimensionLabel(dims[0]) }),
          caption: '',
          series: [{ id: 'count', name: t('cases'), className: 'series-count' }],
          rows: stats.cells.map(function (c) {
            return {
              label: keyOf(c, dims[0]).label,
              bars: [{ series: 'count', value: c.count, text: c.display + marks(c.flags),
                attrs: figureAttrs('stats.cell', cellKey(c), c.count, c.display, c.flags) }]
            };
          })
        }));
      }
      out.push(note);
      return out;
    }
    // Two dimensions: a cross table, its margins from the API beside and below.
    var margin = function (dim) {
      var m = stats.margins.find(function (x) { return x.dimension === dim; });
      return m ? m.cells : [];
    };
    var values = function (dim) {
      var seen = [];
      var label = {};
      margin(dim).concat(stats.cells).forEach(function (c) {
        var k = keyOf(c, dim);
        if (k && seen.indexOf(k.value) < 0) {
          seen.push(k.value);
          label[k.value] = k.label;
        }
      });
      return seen.map(function (v) { return { value: v, label: label[v] }; });
    };
    var rowValues = values(dims[0]);
    var columnValues = values(dims[1]);
    var byKey = {};
    stats.cells.forEach(function (c) {
      byKey[keyOf(c, dims[0]).value + '\u0000' + keyOf(c, dims[1]).value] = c;
    });
    var marginCell = function (dim, value) {
      var c = margin(dim).find(function (x) { return keyOf(x, dim).value === value; });
      return c ? countCell('stats.margin', cellKey(c), c, 'margin') : h('td', { className: 'num absent' }, ['–']);
    };
    var crossRows = rowValues.map(function (r) {
      var cells = columnValues.map(function (col) {
        var c = byKey[r.value + '\u0000' + col.value];
        return c ? countCell('stats.cell', cellKey(c), c) : h('td', { className: 'num absent' }, ['–']);
      });
      return h('tr', {}, [rowHeader(r.label)].concat(cells, [marginCell(dims[0], r.value)]));
    });
    crossRows.push(h('tr', { className: 'total-row' }, [rowHeader(t('total'))].concat(
      columnValues.map(function (col) { return marginCell(dims[1], col.value); }), [totalCell()])));
    var headers = [{ label: dimensionLabel(dims[0]) + ' \\ ' + dimensionLabel(dims[1]) }]
      .concat(columnValues.map(function (c) { return { label: c.label, numeric: true }; }), [{ label: t('total'), numeric: true }]);
    return [table(headers, crossRows, { label: t('statisticsTitle') }), note];
  }

  function showDisclosure(disclosure) {
    var note = $('disclosure-note');
    note.textContent = t('disclosure', { description: disclosure.description });
  }

  // ---- running -----------------------------------------------------------------------

  function setStatus(section, status) {
    section.setAttribute('data-status', status);
    section.setAttribute('aria-busy', status === 'loading' ? 'true' : 'false');
  }

  function runSection(id, generation) {
    var spec = SECTIONS[id];
    var section = $(id);
    var content = section.querySelector('.content');
    section.querySelector('.applies').textContent = appliesText(spec.filters);
    setStatus(section, 'loading');
    content.replaceChildren(message(t('loading'), 'message loading'));
    // When the token's budget is spent, the section waits as long as the hub asks and
    // tries again, a few times.
    var attempt = function (left) {
      return spec.load().catch(function (error) {
        if (!(error instanceof RateLimited) || left === 0 || generation !== state.generation) {
          throw error;
        }
        content.replaceChildren(message(t('rateLimited', { n: error.seconds }), 'message loading'));
        return new Promise(function (resolve) { setTimeout(resolve, error.seconds * 1000); })
          .then(function () { return attempt(left - 1); });
      });
    };
    return attempt(3).then(function (data) {
      if (generation !== state.generation) {
        return;
      }
      content.replaceChildren.apply(content, spec.render(data));
      setStatus(section, 'ready');
    }, function (error) {
      if (generation !== state.generation) {
        return;
      }
      if (error instanceof AuthError) {
        tokenRefused();
        content.replaceChildren(message(t('tokenRefused'), 'message error'));
      } else if (error instanceof RateLimited) {
        content.replaceChildren(message(t('busy'), 'message error'));
      } else {
        content.replaceChildren(message(t('failed', { message: error.message }), 'message error'));
      }
      setStatus(section, 'error');
    });
  }

  function refresh() {
    var generation = ++state.generation;
    main.setAttribute('data-status', 'loading');
    main.setAttribute('data-lang', state.lang);
    main.setAttribute('data-region', state.filters.region);
    return loadOptions().then(function (options) {
      if (generation !== state.generation) {
        return null;
      }
      fillFilters(options);
      fillDimensions();
      if (!state.token) {
        Object.keys(SECTIONS).forEach(function (id) {
          var section = $(id);
          section.querySelector('.applies').textContent = '';
          section.querySelector('.content').replaceChildren(message(t('tokenMissing')));
          setStatus(section, 'idle');
        });
        main.setAttribute('data-status', 'idle');
        return null;
      }
      return Promise.all(Object.keys(SECTIONS).map(function (id) { return runSection(id, generation); }));
    }).then(function () {
      // Settled, each section with its figures or its error (a refused token included).
      if (generation === state.generation && main.getAttribute('data-status') === 'loading') {
        main.setAttribute('data-status', 'ready');
      }
    }, function (error) {
      if (generation === state.generation) {
        $('access-status').textContent = t('failed', { message: error.message });
        main.setAttribute('data-status', 'error');
      }
    });
  }

  function tokenRefused() {
    if (state.source === 'session') {
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = '';
      state.source = null;
    }
    state.notice = 'tokenRefused';
    showAccess();
  }

  function showAccess() {
    var status = $('access-status');
    if (state.notice) {
      status.textContent = typeof state.notice === 'string' ? t(state.notice) : state.notice.text();
    } else if (state.source === 'operator') {
      status.textContent = t('tokenOperator');
    } else if (state.token) {
      status.textContent = t('tokenSession');
    } else {
      status.textContent = t('tokenMissing');
    }
    // A viewer may enter a token of their own when there is none, or it was refused.
    $('access-forms').hidden = !!state.token && !state.notice;
    $('forget').hidden = state.source !== 'session';
  }

  function useToken(token) {
    state.token = token;
    state.source = 'session';
    state.notice = null;
    sessionStorage.setItem(TOKEN_KEY, token);
    showAccess();
    refresh().then(function () {
      var first = document.querySelector('#filters select');
      if (first && document.activeElement === document.body) {
        first.focus();
      }
    });
  }

  function translate() {
    document.documentElement.lang = state.lang;
    document.title = 'Knotenpunkt · ' + t('title');
    document.querySelectorAll('[data-i18n]').forEach(function (node) {
      node.textContent = t(node.getAttribute('data-i18n'));
    });
    var legend = $('legend-marks');
    legend.replaceChildren();
    [['ROUNDED', 'markRounded'], ['SUPPRESSED', 'markSuppressed'], ['SECONDARY_SUPPRESSED', 'markSecondary']]
      .forEach(function (pair) {
        legend.appendChild(h('li', { 'data-flag': pair[0] }, [
          h('span', { className: 'mark legend-mark flag-' + pair[0].toLowerCase().replace(/_/g, '-') }, [MARKS[pair[0]]]),
          ' ' + t(pair[1])
        ]));
      });
    legend.appendChild(h('li', {}, [h('span', { className: 'mark legend-mark' }, ['–']), ' ' + t('markNone')]));
    $('disclosure-note').textContent = '';
    $('lang').value = state.lang;
    showAccess();
  }

  // ---- events ------------------------------------------------------------------------

  $('lang').addEventListener('change', function (event) {
    state.lang = event.target.value;
    localStorage.setItem(LANG_KEY, state.lang);
    translate();
    refresh();
  });

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var field = $('token');
    var token = field.value.trim().replace(/^Bearer\s+/i, '');
    if (!token) {
      field.focus();
      return;
    }
    field.value = '';
    useToken(token);
  });

  $('client-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var id = $('client-id').value.trim();
    var secret = $('client-secret');
    if (!id || !secret.value) {
      (id ? secret : $('client-id')).focus();
      return;
    }
    $('access-status').textContent = t('tokenFetching');
    fetch(tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: id, client_secret: secret.value }),
      credentials: 'omit'
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (answer) {
        if (!response.ok || !answer.access_token) {
          throw new Error(answer.error_description || answer.error || ('HTTP ' + response.status));
        }
        secret.value = '';
        useToken(answer.access_token);
      });
    }).catch(function (error) {
      state.notice = { text: function () { return t('tokenFailed', { message: error.message }); } };
      showAccess();
    });
  });

  $('forget').addEventListener('click', function () {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = '';
    state.source = null;
    state.notice = null;
    showAccess();
    refresh();
    $('token').focus();
  });

  $('filters').addEventListener('submit', function (event) {
    event.preventDefault();
    state.filters = {
      region: $('f-region').value,
      profession: $('f-profession').value,
      from: $('f-from').value,
      to: $('f-to').value
    };
    refresh();
  });

  $('filters').addEventListener('reset', function () {
    // After the browser has reset the fields.
    setTimeout(function () {
      state.filters = { region: '', profession: '', from: '', to: '' };
      refresh();
    });
  });

  $('statistics-form').addEventListener('submit', function (event) {
    event.preventDefault();
    var rows = $('s-rows').value;
    var columns = $('s-columns').value;
    state.groupBy = columns && columns !== rows ? [rows, columns] : [rows];
    if (state.token) {
      runSection('statistics', state.generation);
    }
  });

  translate();
  refresh();
})();
