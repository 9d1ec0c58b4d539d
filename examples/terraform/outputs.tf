output "user_pool_id" {
  value = aws_cognito_user_pool.pool.id
}

output "user_pool_client_id" {
  value = aws_cognito_user_pool_client.web.id
}

output "region" {
  value = data.aws_region.current.name
}
