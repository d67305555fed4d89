import type { NextConfig } from "next";

// A static export: the same files are served by the local server
// (`scripts/dev serve`) and from S3 behind CloudFront. The API's address and
// the auth mode come at run time from `/config.json`, so one build fits
// every environment.
const config: NextConfig = {
  output: "export",
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
};

export default config;
