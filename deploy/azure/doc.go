// Package azure holds the tests of the Azure Container Apps template
// (main.json): it parses, its references resolve, and secrets come only
// from Key Vault through the managed identity.
package azure
