// graphql-js as GraphQL Code Generator, graphql-inspector and GraphiQL use it.
//
//   node introspect.mjs query                      prints the standard introspection query,
//                                                  every option on
//   node introspect.mjs compare result.json sdl    rebuilds the schema from an introspection
//                                                  result and compares it with the SDL file;
//                                                  exits 1 with the differences
import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  findBreakingChanges,
  findDangerousChanges,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
  specifiedDirectives,
  validateSchema,
} from 'graphql';

const [mode, resultPath, sdlPath] = process.argv.slice(2);

if (mode === 'query') {
  process.stdout.write(
    getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
    }),
  );
} else if (mode === 'compare') {
  const result = JSON.parse(readFileSync(resultPath, 'utf8'));
  if (result.errors) {
    console.error('the introspection query failed:', JSON.stringify(result.errors));
    process.exit(1);
  }
  const fromIntrospection = buildClientSchema(result.data);
  const fromSdl = buildSchema(readFileSync(sdlPath, 'utf8'));
  // The directives the specification defines (@deprecated, @skip…) are built into
  // graphql-js too, in the version of the specification it implements; their
  // definitions are not the hub's contract.
  const specified = specifiedDirectives.map((d) => new RegExp(`\\b${d.name}\\b`));
  const ownChange = (c) => !(c.type.includes('DIRECTIVE') && specified.some((r) => r.test(c.description)));
  const problems = [
    ...validateSchema(fromIntrospection).map((e) => `invalid: ${e.message}`),
    ...findBreakingChanges(fromSdl, fromIntrospection).filter(ownChange).map((c) => `${c.type}: ${c.description}`),
    ...findDangerousChanges(fromSdl, fromIntrospection).filter(ownChange).map((c) => `${c.type}: ${c.description}`),
  ];
  const a = printSchema(lexicographicSortSchema(fromIntrospection));
  const b = printSchema(lexicographicSortSchema(fromSdl));
  if (a !== b) {
    const left = a.split('\n');
    const right = b.split('\n');
    const line = left.findIndex((l, i) => l !== right[i]);
    problems.push(
      `printed schemas differ from line ${line + 1}:\n  introspection: ${left[line]}\n  schema.graphql: ${right[line]}`,
    );
  }
  if (fromIntrospection.description !== fromSdl.description) {
    problems.push(
      `schema description differs: ${JSON.stringify(fromIntrospection.description)} vs ${JSON.stringify(fromSdl.description)}`,
    );
  }
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
  console.log(`same schema: ${Object.keys(fromIntrospection.getTypeMap()).length} types`);
} else {
  console.error('usage: introspect.mjs query | compare <result.json> <schema.graphql>');
  process.exit(2);
}
