// Hand-drawn SVG charts of the dashboard: horizontal bars, a funnel and stacked budget
// bars. They draw exactly the numbers they are given (which are the API's), and put
// each one on its element with the attributes the caller passes (`data-figure`,
// `data-key`, `data-value`), so what is drawn can be compared with what the API said.
// A value of `null` (a suppressed count) draws no bar, only the text the API gave.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var WIDTH = 640;
  var LABEL = 200;
  var VALUE = 104;

  function el(tag, attrs, children) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value !== undefined && value !== null) {
        node.setAttribute(name, String(value));
      }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function text(x, y, content, attrs) {
    var a = Object.assign({ x: x, y: y }, attrs || {});
    return el('text', a, [content]);
  }

  // A label cut to fit its column; the whole label stays in a tooltip. An array is a
  // label of two lines around `y`, the second one smaller.
  function label(x, y, content, width) {
    var max = Math.max(4, Math.floor(width / 6.2));
    var cut = function (line) { return line.length > max ? line.slice(0, max - 1) + '…' : line; };
    var lines = Array.isArray(content) ? content : [content];
    var node = el('text', { x: x, y: lines.length > 1 ? y - 6 : y, class: 'chart-label' }, [el('title', {}, [lines.join(' · ')])]);
    lines.forEach(function (line, i) {
      node.appendChild(el('tspan', { x: x, dy: i === 0 ? 0 : 13, class: i === 0 ? null : 'chart-sublabel' }, [cut(line)]));
    });
    return node;
  }

  function svgRoot(height, title) {
    return el('svg', {
      viewBox: '0 0 ' + WIDTH + ' ' + height,
      width: '100%',
      role: 'img',
      'aria-label': title,
      preserveAspectRatio: 'xMinYMin meet',
      class: 'chart'
    }, [el('title', {}, [title])]);
  }

  function figure(svg, caption, series) {
    var fig = document.createElement('figure');
    fig.className = 'chart-figure';
    fig.appendChild(svg);
    var cap = document.createElement('figcaption');
    if (series && series.length > 1) {
      var keys = document.createElement('span');
      keys.className = 'chart-keys';
      series.forEach(function (s) {
        var key = document.createElement('span');
        key.className = 'chart-key';
        var swatch = document.createElement('span');
        swatch.className = 'swatch ' + s.className;
        swatch.setAttribute('aria-hidden', 'true');
        key.appendChild(swatch);
        key.appendChild(document.createTextNode(s.name));
        keys.appendChild(key);
      });
      cap.appendChild(keys);
    }
    if (caption) {
      cap.appendChild(document.createTextNode(caption));
    }
    fig.appendChild(cap);
    return fig;
  }

  // rows: [{ label, bars: [{ series, value, text, attrs }] }]; series: [{ id, name,
  // className }]; max: the value of a full bar (default: the largest value drawn).
  function bars(spec) {
    var barHeight = 13;
    var gap = 3;
    var rowPad = 10;
    var twoLines = spec.rows.some(function (row) { return Array.isArray(row.label); });
    var perRow = Math.max(spec.series.length * (barHeight + gap) - gap + rowPad, twoLines ? 32 : 0);
    var top = 6;
    var height = top + spec.rows.length * perRow + 4;
    var max = spec.max;
    if (!max) {
      max = 0;
      spec.rows.forEach(function (row) {
        row.bars.forEach(function (bar) {
          if (typeof bar.value === 'number' && bar.value > max) {
            max = bar.value;
          }
        });
      });
    }
    var span = WIDTH - LABEL - VALUE;
    var svg = svgRoot(height, spec.title);
    spec.rows.forEach(function (row, i) {
      var y = top + i * perRow;
      var group = el('g', { class: 'chart-row' });
      group.appendChild(label(0, y + (perRow - rowPad) / 2 + 4, row.label, LABEL - 8));
      var barsHeight = row.bars.length * (barHeight + gap) - gap;
      row.bars.forEach(function (bar, j) {
        var series = spec.series.find(function (s) { return s.id === bar.series; });
        var by = y + (perRow - rowPad - barsHeight) / 2 + j * (barHeight + gap);
        var drawn = typeof bar.value === 'number' && max > 0;
        var w = drawn ? Math.max(bar.value > 0 ? 1 : 0, (Math.max(bar.value, 0) / max) * span) : 0;
        var attrs = Object.assign({
          x: LABEL,
          y: by,
          width: w.toFixed(2),
          height: barHeight,
          class: 'bar ' + series.className + (drawn ? '' : ' bar-missing')
        }, bar.attrs || {});
        var rect = el('rect', attrs, [el('title', {}, [series.name + ': ' + bar.text])]);
        group.appendChild(rect);
        // Beside the bar its value, named when bars of several series share a row.
        var shown = spec.series.length > 1 ? series.name + ' ' + bar.text : bar.text;
        group.appendChild(text(LABEL + w + 4, by + barHeight - 2, shown, {
          class: 'chart-value' + (drawn ? '' : ' chart-value-missing')
        }));
      });
      svg.appendChild(group);
    });
    return figure(svg, spec.caption, spec.series);
  }

  // steps: [{ label, value, text, attrs, note }]; the widest step is the largest value.
  function funnel(spec) {
    var stepHeight = 30;
    var noteHeight = 18;
    var height = spec.steps.length * (stepHeight + noteHeight) + 4;
    var max = 0;
    spec.steps.forEach(function (s) {
      if (typeof s.value === 'number' && s.value > max) {
        max = s.value;
      }
    });
    var span = WIDTH - LABEL - VALUE;
    var centre = LABEL + span / 2;
    var svg = svgRoot(height, spec.title);
    spec.steps.forEach(function (step, i) {
      var y = i * (stepHeight + noteHeight) + (i > 0 ? noteHeight : 0);
      if (i > 0 && step.note) {
        svg.appendChild(text(centre, y - 5, '↓ ' + step.note, { class: 'chart-note', 'text-anchor': 'middle' }));
      }
      var drawn = typeof step.value === 'number' && max > 0;
      var w = drawn ? Math.max(step.value > 0 ? 2 : 0, (step.value / max) * span) : 0;
      var attrs = Object.assign({
        x: (centre - w / 2).toFixed(2),
        y: y,
        width: w.toFixed(2),
        height: stepHeight,
        rx: 3,
        class: 'bar funnel-step' + (drawn ? '' : ' bar-missing')
      }, step.attrs || {});
      svg.appendChild(label(0, y + stepHeight / 2 + 4, step.label, LABEL - 8));
      svg.appendChild(el('rect', attrs, [el('title', {}, [step.label + ': ' + step.text])]));
      svg.appendChild(text(WIDTH - VALUE + 6, y + stepHeight / 2 + 4, step.text, { class: 'chart-value' }));
    });
    return figure(svg, spec.caption, null);
  }

  // rows: [{ label, total, segments: [{ series, value, attrs }], text }]: each row is a
  // bar of its own total, split into segments that add up to it.
  function stacked(spec) {
    var barHeight = 18;
    var perRow = barHeight + 22;
    var height = spec.rows.length * perRow + 4;
    var span = WIDTH - LABEL - 8;
    var svg = svgRoot(height, spec.title);
    spec.rows.forEach(function (row, i) {
      var y = i * perRow + 4;
      svg.appendChild(label(0, y + barHeight / 2 + 4, row.label, LABEL - 8));
      var x = LABEL;
      row.segments.forEach(function (seg) {
        var series = spec.series.find(function (s) { return s.id === seg.series; });
        var w = row.total > 0 ? (Math.max(seg.value, 0) / row.total) * span : 0;
        var attrs = Object.assign({
          x: x.toFixed(2),
          y: y,
          width: w.toFixed(2),
          height: barHeight,
          class: 'bar ' + series.className
        }, seg.attrs || {});
        svg.appendChild(el('rect', attrs, [el('title', {}, [series.name + ': ' + seg.text])]));
        x += w;
      });
      svg.appendChild(text(LABEL, y + barHeight + 14, row.text, { class: 'chart-note' }));
    });
    return figure(svg, spec.caption, spec.series);
  }

  window.KnotenpunktDashboard = window.KnotenpunktDashboard || {};
  window.KnotenpunktDashboard.charts = { bars: bars, funnel: funnel, stacked: stacked };
})();
