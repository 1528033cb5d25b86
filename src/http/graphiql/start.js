// Starts GraphiQL on the page that GET /graphql serves. This is a file of its own, not
// an inline script, so that the page's Content-Security-Policy can forbid inline code.
(function () {
  'use strict';
  var container = document.getElementById('graphiql');
  // Relative to the page, so the hub also works under a path prefix.
  var endpoint = new URL(container.dataset.endpoint, document.baseURI).href;
  ReactDOM.createRoot(container).render(
    React.createElement(GraphiQL, {
      fetcher: GraphiQL.createFetcher({ url: endpoint }),
      defaultEditorToolsVisibility: true,
      visiblePlugin: GraphiQL.React.DOC_EXPLORER_PLUGIN,
    })
  );
})();
