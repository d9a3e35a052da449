// Package text is the catalogue of every sentence a person reads in chat or
// in the intake API's problem details: refusals, questions, notices, card
// titles and button labels. No other package writes a user-facing sentence;
// lower layers return sentinels from tap (wrapped in a *tap.Refusal whose
// sentence comes from here), and a translation adds a language here.
//
// Fixed sentences are constants; parameterised ones are small functions
// taking values already made readable (names, formatted times, durations).
// The package imports only the standard library and tap.
package text
