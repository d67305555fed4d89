//! `norvalt serve` (the whole platform on one address) and `norvalt token`.

use std::net::SocketAddr;

use norvalt_core::service::provisioning;
use norvalt_core::{Role, time};
use norvalt_local::keys::SessionClaims;
use norvalt_local::{Platform, seed};

/// A token for the first user of `role` in the dealership.
pub async fn token(
    platform: &Platform,
    slug: &str,
    role: Role,
    ttl_secs: i64,
) -> Result<String, String> {
    let (tenant, dealership) = provisioning::find_by_slug(&platform.stores, slug)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no dealership with slug {slug}"))?;
    let org_id = dealership
        .clerk_org_id
        .clone()
        .ok_or("the dealership has no Clerk organisation")?;
    let users = platform
        .stores
        .users
        .list_users(&tenant)
        .await
        .map_err(|e| e.to_string())?;
    let mut users: Vec<_> = users.into_iter().filter(|u| u.role == role).collect();
    users.sort_by(|a, b| a.clerk_user_id.cmp(&b.clerk_user_id));
    let user = users
        .first()
        .ok_or_else(|| format!("{slug} has no {} user", role.as_str()))?;
    eprintln!(
        "{} ({}) at {}",
        user.name.as_deref().unwrap_or(&user.email),
        role.as_str(),
        dealership.name
    );
    let claims = SessionClaims {
        clerk_user_id: user.clerk_user_id.clone(),
        org_id,
        org_slug: dealership.slug.clone(),
        role: role.as_str().to_string(),
    };
    Ok(platform.keys.mint(&claims, ttl_secs))
}

pub async fn serve(mut platform: Platform, addr: SocketAddr) -> Result<(), String> {
    // The dev login hands out tokens to anyone who asks: only on loopback,
    // unless NORVALT_DEV_LOGIN=1 says otherwise.
    let forced = std::env::var("NORVALT_DEV_LOGIN").is_ok_and(|v| v.trim() == "1");
    if !addr.ip().is_loopback() && !forced {
        platform.dev_login = false;
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,aws_config=warn".into()),
        )
        .init();
    let seeded = seed::seed_demo(&platform.stores, &platform.settings, time::now())
        .await
        .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("bind {addr}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let dev_token = token(&platform, seed::DEMO_SLUGS[0], Role::SalesRep, 12 * 3600).await?;
    if seeded > 0 {
        println!(
            "Seeded {seeded} demo dealership(s): {}",
            seed::DEMO_SLUGS.join(", ")
        );
    }
    println!("Norvalt is running at http://{addr}");
    match platform.dashboard_dir.join("index.html").is_file() {
        true if platform.dev_login => println!(
            "  Dashboard:  http://{addr}/ (sign in as any demo user; Sofie Bråten is a sales rep)"
        ),
        true => println!("  Dashboard:  http://{addr}/ (dev login off: bring a token)"),
        false => println!(
            "  Dashboard:  not built in {} (scripts/dev serve builds it)",
            platform.dashboard_dir.display()
        ),
    }
    println!("  API docs:   http://{addr}/api/docs");
    println!("  Data dir:   {}", platform.data_dir.display());
    println!("  Dev token (sales rep, Bilsenteret Drammen, 12 h):\n{dev_token}\n");
    println!("Try:\n  curl -H \"Authorization: Bearer $TOKEN\" http://{addr}/api/leads");
    if let Ok(Some((_, d))) =
        norvalt_core::service::provisioning::find_by_slug(&platform.stores, "bilsenteret-drammen")
            .await
    {
        println!(
            "A website lead (its reply lands in {}/outbox/):\n  curl -X POST http://{addr}/webhooks/form/{} -H 'content-type: application/json' \\\n    -d '{{\"name\":\"Kari Nordmann\",\"email\":\"kari@example.no\",\"vehicle_interest\":\"Toyota bZ4X\",\"message\":\"Er den på lager?\"}}'",
            platform.data_dir.display(),
            d.form_key
        );
    }
    println!("More tokens: scripts/dev token --dealership fjord-bil-bergen --role admin");
    platform.start_workers();
    let app = platform.router();
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| e.to_string())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}
