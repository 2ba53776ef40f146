"""Plans: the ordered changes that would make live Netlify match the manifests."""
