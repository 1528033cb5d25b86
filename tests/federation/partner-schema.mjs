// The partner subgraph's schema: a chamber's exam results, joined onto the hub's
// Candidate (by its pseudonymous code) and ExamSession (by id).
//
// `examResults` is nullable on purpose: without a valid bearer token it resolves to
// null with an UNAUTHENTICATED error, and the rest of the response still arrives.
import { parse } from 'graphql';

export const sdl = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

type Candidate @key(fields: "code") {
  code: String!
  "The candidate's exam results at this chamber; null, with an UNAUTHENTICATED error, without a valid token."
  examResults: [ExamResult!]
}

type ExamSession @key(fields: "id") {
  id: ID!
  "Share of candidates who passed this session (0 to 1); public."
  passRate: Float
}

type Query {
  "The sittings the chamber recorded: each names the hub's candidate (by code) and exam session (by id), so the gateway fetches both from the hub."
  sittings: [Sitting!]!
}

type Sitting {
  candidate: Candidate!
  session: ExamSession!
  passed: Boolean!
}

type ExamResult {
  exam: String!
  "Date of the sitting, YYYY-MM-DD."
  sittingOn: String!
  passed: Boolean!
  points: Int
}
`;

export const typeDefs = parse(sdl);
